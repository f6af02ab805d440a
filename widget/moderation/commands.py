"""``flask`` commands for operators and scripts.

Every command calls the same code the admin area uses (``actions``, ``bans``,
``rules``), so each action is written once and audited once.

    flask --app wsgi comments approve|spam|delete [--sender H] [--article A] …
    flask --app wsgi spam purge | train FILE.csv --text C --label C | evaluate …
    flask --app wsgi article close|reopen ID
    flask --app wsgi ban SENDER|--address ADDRESS-OR-CIDR [--days N | --forever] [--spam]
    flask --app wsgi unban SENDER|ADDRESS-OR-CIDR
    flask --app wsgi rules show | pre-moderation on|off|default | hold-first on|off
    flask --app wsgi rules block PHRASE [--reject] | unblock PHRASE
    flask --app wsgi audit [--limit N]
    flask --app wsgi purge-deleted [--days N] [--dry-run]
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from .. import privacy
from ..extensions import db
from ..models import AuditEntry
from ..notify import worker
from ..ops.cli import ACTOR, friendly, plural
from . import actions, bans, retention, rules, training
from .selection import Selection

DONE = {"approve": "Approved", "spam": "Marked as spam", "delete": "Deleted"}


# --- comments ------------------------------------------------------------------

comments_cli = AppGroup("comments", help="Approve, mark as spam or delete comments in bulk.")


def _bulk_command(action: str, summary: str) -> None:
    @comments_cli.command(action, help=summary)
    @click.option("--sender", help="Every comment from this sender hash.")
    @click.option("--article", "article_id", help="Every comment on this article.")
    @click.option("--status", help="Only comments with this status.")
    @click.option("--search", help="Only comments whose text, name or email contains this.")
    @click.option("--id", "ids", type=int, multiple=True, help="This comment (repeatable).")
    @click.option(
        "--likely-spam", is_flag=True, help="Only comments the spam filter finds likely spam."
    )
    @click.option("--all", "everything", is_flag=True, help="No filter: every comment.")
    @friendly
    def command(
        sender: str | None,
        article_id: str | None,
        status: str | None,
        search: str | None,
        ids: tuple[int, ...],
        likely_spam: bool,
        everything: bool,
    ) -> None:
        selection = Selection.of(
            ids=ids or None,
            status=status,
            article_id=article_id,
            search=search,
            sender=sender,
            likely_spam=likely_spam,
        )
        if selection.is_everything and not everything:
            raise click.UsageError("Give a filter (--sender, --article, …) or --all.")
        changed = actions.change_status(selection, action, ACTOR)
        click.echo(f"{DONE[action]}: {plural(changed, 'comment')}.")


_bulk_command("approve", "Approve (publish) the matching comments.")
_bulk_command("spam", "Mark the matching comments as spam.")
_bulk_command("delete", "Delete the matching comments (kept, with status 'deleted').")

spam_cli = AppGroup("spam", help="Spam housekeeping and the learning filter.")


@spam_cli.command("purge")
@friendly
def purge_spam() -> None:
    """Remove every spam comment for good."""
    removed = actions.empty_spam(ACTOR)
    click.echo(f"Removed {plural(removed, 'spam comment')}.")


def _labelled_file(command: Callable[..., None]) -> Callable[..., None]:
    """FILE.csv --text COLUMN --label COLUMN, read into ``labelled``."""

    @click.argument("path", metavar="FILE.csv")
    @click.option("--text", "text_column", required=True, help="The column holding the text.")
    @click.option(
        "--label", "label_column", required=True, help="The column saying spam (1) or good (0)."
    )
    @friendly
    @functools.wraps(command)
    def read(path: str, text_column: str, label_column: str) -> None:
        command(path, training.read(path, text_column, label_column))

    return read


def _share(part: int, whole: int) -> str:
    return f"{part:,} of {whole:,} ({part / whole:.1%})" if whole else "none in the file"


@spam_cli.command("train")
@_labelled_file
def train_spam(path: str, labelled: training.Labelled) -> None:
    """Learn from a labelled CSV file (label 1 or spam: spam; 0 or ham: good)."""
    learnt = training.train(labelled, path, ACTOR)
    known = len(labelled.texts) - learnt
    click.echo(
        f"Learnt {plural(learnt, 'text')} from {path} ({labelled.spam:,} spam, "
        f"{labelled.good:,} good in the file; {known:,} already known as such; "
        f"{labelled.blank:,} blank skipped)."
    )


@spam_cli.command("evaluate")
@_labelled_file
def evaluate_spam(path: str, labelled: training.Labelled) -> None:
    """How much of a labelled CSV file the filter would hold, as it is now."""
    result = training.evaluate(labelled)
    click.echo(f"Spam held: {_share(result.spam_held, result.spam)}")
    click.echo(f"Good comments held: {_share(result.good_held, result.good)}")


# --- articles ------------------------------------------------------------------

article_cli = AppGroup("article", help="Open or close comments on an article.")


@article_cli.command("close")
@click.argument("article_id")
@friendly
def close_article(article_id: str) -> None:
    """Refuse new comments on ARTICLE_ID (403 comments_closed)."""
    changed = actions.set_closed(article_id, True, ACTOR)
    click.echo(f"Comments on {article_id} are {'now' if changed else 'already'} closed.")


@article_cli.command("reopen")
@click.argument("article_id")
@friendly
def reopen_article(article_id: str) -> None:
    """Accept comments on ARTICLE_ID again."""
    changed = actions.set_closed(article_id, False, ACTOR)
    click.echo(f"Comments on {article_id} are {'now' if changed else 'already'} open.")


# --- bans ----------------------------------------------------------------------


@click.command("ban")
@with_appcontext
@click.argument("sender", required=False)
@click.option(
    "--address",
    help="An IP address or CIDR range instead of a hash: one client (IPv4 address, "
    "IPv6 /64 or narrower) is banned by its sender hash, a wider range as a network.",
)
@click.option("--days", type=click.IntRange(1, bans.MAX_BAN_DAYS), default=7, show_default=True)
@click.option("--forever", is_flag=True, help="Until lifted with `unban`.")
@click.option("--note", default="", help="Why, for the other admins.")
@click.option("--spam", "mark_spam", is_flag=True, help="Also mark all their comments as spam.")
@friendly
def ban(
    sender: str | None, address: str | None, days: int, forever: bool, note: str, mark_spam: bool
) -> None:
    """Refuse posts from SENDER (a hash from the admin list) for a while."""
    if (sender is None) == (address is None):
        raise click.UsageError("Give either SENDER or --address.")
    network = None
    if address is not None:
        sender, network = _ban_target(address)
    assert sender is not None  # noqa: S101 (narrowing for the type checker)
    entry, spammed = bans.ban(
        sender, None if forever else days, ACTOR, note=note, mark_spam=mark_spam, network=network
    )
    until = entry.expires_at.strftime("%Y-%m-%d %H:%M UTC") if entry.expires_at else "lifted"
    if network:
        click.echo(f"Banned network {network} until {until}.")
    else:
        click.echo(f"Banned {entry.sender_hash} until {until}.")
    if mark_spam:
        click.echo(f"Marked {plural(spammed, 'comment')} as spam.")


def _ban_target(address: str) -> privacy.BanTarget:
    try:
        return privacy.ban_target(address)
    except ValueError as error:
        raise click.ClickException(str(error)) from None  # exit status 1


@click.command("unban")
@with_appcontext
@click.argument("sender")
@friendly
def unban(sender: str) -> None:
    """Lift the ban on SENDER (a hash, or the address or range that was banned)."""
    shown = sender.strip()
    if any(mark in sender for mark in ".:/"):  # never in a hash
        sender = _ban_target(sender).sender_hash
    lifted = bans.unban(sender, ACTOR)
    click.echo(f"Lifted the ban on {shown}." if lifted else f"{shown} was not banned.")


# --- rules ---------------------------------------------------------------------

rules_cli = AppGroup("rules", help="Moderation switches and blocked phrases.")
_ON_OFF = click.Choice(["on", "off"])


@rules_cli.command("show")
@friendly
def show_rules() -> None:
    """Print the switches, blocked phrases, bans and closed articles."""
    current = rules.settings()
    source = " (COMMENTS_MODERATION)" if current.pre_moderation is None else ""
    click.echo(f"pre-moderation: {'on' if current.holds_everything else 'off'}{source}")
    click.echo(f"hold first comment: {'on' if current.hold_first_comment else 'off'}")
    for rule in rules.blocked_phrases():
        click.echo(f"blocked ({rule.action}): {rule.phrase}")
    for entry in bans.bans():
        until = entry.expires_at.isoformat() if entry.expires_at else "lifted"
        state = "" if entry.active() else " (expired)"
        click.echo(f"banned: {entry.network or entry.sender_hash} until {until}{state}")
    for article_id in actions.closed_articles():
        click.echo(f"closed: {article_id}")


@rules_cli.command("pre-moderation")
@click.argument("value", type=click.Choice(["on", "off", "default"]))
@friendly
def pre_moderation(value: str) -> None:
    """Hold every new comment (on), publish at once (off), or follow COMMENTS_MODERATION."""
    rules.set_pre_moderation({"on": True, "off": False, "default": None}[value], ACTOR)
    click.echo(f"Pre-moderation: {value}.")


@rules_cli.command("hold-first")
@click.argument("value", type=_ON_OFF)
@friendly
def hold_first(value: str) -> None:
    """Hold a sender's first comment for review (on) or not (off)."""
    rules.set_hold_first_comment(value == "on", ACTOR)
    click.echo(f"Hold a sender's first comment: {value}.")


@rules_cli.command("block")
@click.argument("phrase")
@click.option("--reject", is_flag=True, help="Refuse the comment instead of holding it.")
@friendly
def block(phrase: str, reject: bool) -> None:
    """Hold (or with --reject, refuse) comments containing PHRASE."""
    rule = rules.block_phrase(phrase, "reject" if reject else "hold", ACTOR)
    click.echo(f"Blocked ({rule.action}): {rule.phrase}")


@rules_cli.command("unblock")
@click.argument("phrase")
@friendly
def unblock(phrase: str) -> None:
    """Stop blocking PHRASE."""
    removed = rules.unblock_phrase(phrase, ACTOR)
    click.echo(f"Unblocked: {phrase}" if removed else f"{phrase!r} was not blocked.")


# --- audit ---------------------------------------------------------------------


@click.command("audit")
@with_appcontext
@click.option("--limit", type=click.IntRange(1, 10_000), default=20, show_default=True)
@friendly
def audit(limit: int) -> None:
    """Print the latest audit log entries, newest first."""
    entries = db.session.scalars(
        select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    ).all()
    for e in entries:
        when = e.created_at.strftime("%Y-%m-%d %H:%M:%S")
        click.echo(f"{when}  {e.actor:<12} {e.action:<16} {e.count:>7}  {e.detail}")


# --- retention -----------------------------------------------------------------


@click.command("purge-deleted")
@with_appcontext
@click.option(
    "--days",
    type=click.IntRange(1, retention.MAX_DAYS),
    help="Purge comments deleted more than this many days ago (default: COMMENTS_RETENTION_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="Say what would be purged; change nothing.")
@friendly
def purge_deleted(days: int | None, dry_run: bool) -> None:
    """Remove deleted comments for good after a while (placeholders stay for replies)."""
    days = days or current_app.config["RETENTION_DAYS"]
    if not days:
        raise click.UsageError(
            "Give --days N, or set COMMENTS_RETENTION_DAYS: without either, "
            "deleted comments are kept forever."
        )
    click.echo(retention.purge_deleted(days, ACTOR, dry_run=dry_run).describe())


def init_app(app: Flask) -> None:
    for command in (comments_cli, spam_cli, article_cli, ban, unban, rules_cli, audit):
        app.cli.add_command(command)
    app.cli.add_command(purge_deleted)
    if app.config["RETENTION_DAYS"]:  # the worker purges once a day
        worker.add_chore(app, "purge of deleted comments", retention.EVERY, retention.daily)
