"""``flask`` commands for moving in and out, and for readers' data requests.

flask --app wsgi import disqus|wordpress|isso|json FILE [--map CSV] [--dry-run]
flask --app wsgi export FILE          (JSON lines; .gz gzipped; - for stdout)
flask --app wsgi reader export EMAIL  /  reader erase EMAIL
"""

from __future__ import annotations

import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy.exc import DataError, IntegrityError

from ..ops.cli import ACTOR, friendly, plural
from . import article_ids, export, importer, readahead, readers
from .records import ImportFailure, Reader

# Each format's reader, imported when its command runs (web workers never
# load the XML parsers).
READERS = {
    "disqus": ("disqus", "DisqusReader"),
    "wordpress": ("wordpress", "WordPressReader"),
    "isso": ("isso", "IssoReader"),
    "json": ("jsonlines", "JsonLinesReader"),
}

# What each import command reads, for its --help.
FORM_NAMES = {
    "disqus": "a Disqus XML export",
    "wordpress": "a WordPress WXR export (1.0 to 1.2)",
    "isso": "an Isso SQLite database (or Isso's JSON import file)",
    "json": "a JSON lines export of this service",
}


def reader_for(form: str, file: str) -> Reader:
    module, name = READERS[form]
    found: Callable[[str], Reader] = getattr(
        importlib.import_module(f"{__package__}.{module}"), name
    )
    return found(file)


SHOWN_THREADS = 50  # the summary lists this many source threads, then a count


class Progress:
    """A one-line progress bar on a terminal (stderr); silent otherwise."""

    def __init__(self, reader: Reader) -> None:
        self.reader = reader
        self.shown = sys.stderr.isatty()
        self.started = self.last = time.monotonic()

    def __call__(self, count: int) -> None:
        now = time.monotonic()
        if not self.shown or now - self.last < 0.2:
            return
        self.last = now
        rate = count / max(now - self.started, 1e-6)
        share = self.reader.progress()
        bar = ""
        if share is not None:
            filled = int(share * 30)
            bar = f"[{'#' * filled}{'.' * (30 - filled)}] {share:4.0%}  "
        click.echo(f"\r{bar}{count:,} comments  {rate:,.0f}/s ", nl=False, err=True)

    def done(self) -> None:
        if self.shown:
            click.echo("\r\033[K", nl=False, err=True)


def _summary(summary: importer.Summary, seconds: float) -> list[str]:
    verb = "Would import" if summary.dry_run else "Imported"
    lines = [
        f"{verb} {plural(summary.imported, 'comment')} into "
        f"{plural(len(summary.per_article), 'article')} from {summary.file} "
        f"in {seconds:.1f} s"
        + (
            f" ({', '.join(f'{n:,} {s}' for s, n in sorted(summary.statuses.items()))})."
            if summary.statuses
            else "."
        )
    ]
    if summary.skipped:
        lines.append(f"Skipped {plural(summary.skipped_total, 'comment')}:")
        lines += [f"  {n:>7,}  {why}" for why, n in summary.skipped.most_common()]
    if summary.orphans:
        lines.append(
            f"{summary.orphans:,} {'reply' if summary.orphans == 1 else 'replies'}"
            " whose parent was missing (or formed a loop)"
            " became top-level comments."
        )
    if summary.cleaned:
        lines.append(f"Removed control characters from {plural(summary.cleaned, 'comment')}.")
    if summary.threads:
        rows = [
            f"{label} -> {article_id} ({summary.per_article[article_id]:,})"
            for label, article_id in summary.threads.items()
        ]
        lines += _listed("Source thread -> article ID (comments):", rows, "threads")
    elif summary.per_article:
        rows = [f"{article_id} ({n:,})" for article_id, n in summary.per_article.most_common()]
        lines += _listed("Article ID (comments):", rows, "articles")
    if summary.dry_run:
        lines.append("Dry run: nothing was written.")
    return lines


def _listed(title: str, rows: list[str], noun: str) -> list[str]:
    """A titled list, the first SHOWN_THREADS rows of it and a count of the rest."""
    shown = [title] + [f"  {row}" for row in rows[:SHOWN_THREADS]]
    if len(rows) > SHOWN_THREADS:
        shown.append(f"  … and {len(rows) - SHOWN_THREADS:,} more {noun}.")
    return shown


def _import_command(form: str) -> click.Command:
    @click.command(form, help=f"Import {FORM_NAMES[form]}.")
    @click.argument("file", type=click.Path(dir_okay=False, allow_dash=False))
    @click.option(
        "--map",
        "map_file",
        type=click.Path(dir_okay=False),
        help="CSV: a source thread's identifier or address, then the article ID.",
    )
    @click.option("--dry-run", is_flag=True, help="Read and report; write nothing.")
    @with_appcontext
    @friendly
    def command(file: str, map_file: str | None, dry_run: bool) -> None:
        started = time.monotonic()
        try:
            mapping = article_ids.load_map(map_file) if map_file else {}
            reader = readahead.ahead(reader_for(form, file), file)
            progress = Progress(reader)
            try:
                summary = importer.run(reader, form, Path(file).name, mapping, dry_run, progress)
            finally:
                progress.done()
        except ImportFailure as error:
            raise click.ClickException(f"{error}. Nothing was imported.") from None
        except (IntegrityError, DataError) as error:
            first = str(error.orig).strip().splitlines()[0]
            raise click.ClickException(
                f"{Path(file).name}: the database refused a comment ({first}). "
                "Nothing was imported."
            ) from None
        for line in _summary(summary, time.monotonic() - started):
            click.echo(line)

    return command


@click.group("import")
def import_group() -> None:
    """Import comments from another system, or from this service's export."""


for _form in READERS:
    import_group.add_command(_import_command(_form))


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@with_appcontext
@friendly
def export_command(file: str) -> None:
    """Write every comment of every status as JSON lines (.gz: gzipped; -: stdout)."""
    try:
        count = export.write(file)
    except export.ExportFailure as error:
        raise click.ClickException(str(error)) from None
    if file != "-":
        click.echo(f"Exported {plural(count, 'comment')} to {file}.")


@click.group("reader")
def reader_group() -> None:
    """A reader's data, for a data request: export it, or erase it."""


@reader_group.command("export")
@click.argument("email")
@with_appcontext
@friendly
def reader_export(email: str) -> None:
    """Print everything kept about the reader who wrote with EMAIL, as JSON."""
    click.echo(json.dumps(readers.export(email, ACTOR), ensure_ascii=False, indent=2))


@reader_group.command("erase")
@click.argument("email")
@with_appcontext
@friendly
def reader_erase(email: str) -> None:
    """Remove the comments of EMAIL (placeholders where replies need them)
    and forget the address everywhere it is kept."""
    click.echo(readers.erase(email, ACTOR).describe())


def init_app(app: Flask) -> None:
    app.cli.add_command(import_group)
    app.cli.add_command(export_command)
    app.cli.add_command(reader_group)
