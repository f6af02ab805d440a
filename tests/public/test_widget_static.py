"""The box's scripts as files: size budgets and the rules they must keep.

No browser needed; the behaviour is tested in tests/e2e.
"""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from widget.moderation import text

JS = Path(__file__).resolve().parents[2] / "static" / "js"
WIDGET_BUDGET = 9 * 1024  # JS and CSS together: the CSS lives inside widget.js
COUNT_BUDGET = 1024


def gzipped_size(path: Path) -> int:
    """Bytes after `gzip -9`, as the README reports them (zlib when gzip is absent)."""
    gzip_command = shutil.which("gzip")
    if gzip_command:
        return len(
            subprocess.run(
                [gzip_command, "-9", "-c", str(path)], capture_output=True, check=True
            ).stdout
        )
    return len(gzip.compress(path.read_bytes(), compresslevel=9))


@pytest.mark.parametrize(
    ("name", "budget"), [("widget.js", WIDGET_BUDGET), ("count.js", COUNT_BUDGET)]
)
def test_the_scripts_stay_within_their_gzipped_budget(name: str, budget: int) -> None:
    size = gzipped_size(JS / name)

    assert size <= budget, f"{name} is {size} bytes gzipped; the budget is {budget}"


def test_the_box_trims_with_exactly_the_server_characters() -> None:
    source = (JS / "widget.js").read_text()

    (literal,) = re.findall(r"const TRIM = /\[([^\]]*)\]/;", source)
    characters = literal.encode().decode("unicode_escape")
    # Expand the class's ranges (a-b) into their characters.
    expanded = re.sub(
        r"(.)-(.)",
        lambda m: "".join(map(chr, range(ord(m[1]), ord(m[2]) + 1))),
        characters,
        flags=re.S,
    )

    assert sorted(expanded) == sorted(text.TRIM_CHARS)


@pytest.mark.parametrize("name", ["widget.js", "count.js"])
def test_the_scripts_never_parse_markup_or_code(name: str) -> None:
    source = (JS / name).read_text()

    for risky in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "maxlength",
    ):
        assert risky not in source, f"{name} uses {risky}"
    assert "import " not in source  # no dependencies, no modules: one classic script
