"""The package's shape holds: areas import only the core and the areas below
them, the import graph has no circles, and no module grows past ~400 lines.

Read from the source with ``ast`` (every import, module-level or inside a
function), so a new import that breaks the layering fails here, not in review.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "widget"
# Lowest first: an area may import the core and the areas before it.
AREAS = ("ops", "notify", "moderation", "transfer", "public", "admin")
MAX_LINES = 420


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _resolve(importer: str, node: ast.ImportFrom) -> list[str]:
    """The widget modules an ``import from`` statement loads names from."""
    is_package = MODULES[importer].name == "__init__.py"
    if node.level:
        base = importer.split(".")
        base = base if is_package else base[:-1]
        base = base[: len(base) - (node.level - 1)]
        source = ".".join(base + ([node.module] if node.module else []))
    else:
        source = node.module or ""
    if source.split(".")[0] != "widget":
        return []
    found = []
    for alias in node.names:
        submodule = f"{source}.{alias.name}"
        found.append(submodule if submodule in MODULES else source)
    return found


def _imports(module: str) -> set[str]:
    tree = ast.parse(MODULES[module].read_text(), str(MODULES[module]))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            found.update(_resolve(module, node))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "widget")
    found.discard(module)
    return found


GRAPH = {module: _imports(module) for module in MODULES}


def _rank(module: str) -> int:
    """0 for the core, 1.. for the areas from the lowest, last for the factory."""
    if module == "widget":
        return len(AREAS) + 1
    parts = module.split(".")
    return AREAS.index(parts[1]) + 1 if len(parts) > 2 or parts[1] in AREAS else 0


def test_the_areas_are_the_ones_this_test_knows() -> None:
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    assert folders == set(AREAS)
    assert len(MODULES) > 30 and sum(map(len, GRAPH.values())) > 100  # a real graph was read


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_the_core_and_the_areas_below_it(module: str) -> None:
    upward = {target for target in GRAPH[module] if _rank(target) > _rank(module)}
    assert not upward, f"{module} imports up: {sorted(upward)}"


def test_only_the_factory_imports_the_factory() -> None:
    assert [m for m, targets in GRAPH.items() if "widget" in targets] == []


def test_the_import_graph_has_no_circles() -> None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            raise AssertionError("circular imports: " + " -> ".join([*path, module]))
        if module in done:
            return
        for target in sorted(GRAPH[module]):
            visit(target, [*path, module])
        done.add(module)

    for module in sorted(GRAPH):
        visit(module, [])


def test_every_area_says_what_it_does_and_what_it_may_import() -> None:
    for area in AREAS:
        docstring = ast.get_docstring(ast.parse((PACKAGE / area / "__init__.py").read_text()))
        assert docstring and "import" in docstring, area


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_grows_past_about_400_lines(module: str) -> None:
    assert len(MODULES[module].read_text().splitlines()) <= MAX_LINES
