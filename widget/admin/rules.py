"""Senders and bans, the moderation rules, the spam filter's state, and the
audit log."""

from __future__ import annotations

from flask import Response, abort, flash, g, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import BooleanField, HiddenField
from wtforms.validators import InputRequired, Length

from ..errors import Refusal
from ..extensions import db
from ..models import MAX_ID, AuditEntry, BlockedPhrase, Comment, utcnow
from ..moderation import ModerationError, actions, bans, learning, selection
from ..moderation import rules as moderation_rules
from ..ops.cli import plural
from ..transfer import readers
from .blueprint import PER_PAGE, bad_request, bp, counts_by_status, paginate, safe_next
from .forms import (
    BAN_DURATIONS,
    BAN_LABELS,
    ArticleForm,
    BanForm,
    ConfirmForm,
    PhraseForm,
    SettingsForm,
)


class ReaderForm(FlaskForm):
    """A reader's address, posted from a sender's page: never in a URL, where
    logs and the browser's history would keep it."""

    email = HiddenField("Address", validators=[InputRequired(), Length(max=readers.MAX_ADDRESS)])


class EraseForm(ReaderForm):
    confirm = BooleanField(
        "Erase everything held about this address",
        validators=[InputRequired(message="Tick the box to confirm the erase.")],
    )


def _clean_sender(sender: str) -> str:
    try:
        return selection.clean_sender(sender)
    except ModerationError:
        abort(404)


@bp.get("/senders/<sender>")
def sender(sender: str) -> str:
    sender = _clean_sender(sender)
    form = BanForm(formdata=None, sender=sender)
    return render_template(
        "admin/sender.html",
        sender=sender,
        counts=counts_by_status(Comment.sender_hash == sender),
        ban=bans.active_ban(sender),
        form=form,
        lift=ConfirmForm(formdata=None),
        addresses=readers.addresses_of_sender(sender),
        reader_form=ReaderForm(formdata=None),
        erase_form=EraseForm(formdata=None),
    )


@bp.post("/senders/<sender>/reader-data")
def export_reader(sender: str) -> Response:
    """A reader's data request: everything held about the address, as a file."""
    _clean_sender(sender)
    form = ReaderForm(formdata=request.form)
    if not form.validate():
        bad_request(form)
    try:
        data = readers.export(form.email.data, g.admin.name)
    except Refusal as error:
        abort(400, description=str(error))
    response = Response(readers.to_json(data), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="reader-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/senders/<sender>/reader-erase")
def erase_reader(sender: str) -> Response:
    sender = _clean_sender(sender)
    form = EraseForm(formdata=request.form)
    if not form.validate():
        bad_request(form)
    try:
        erased = readers.erase(form.email.data, g.admin.name)
    except Refusal as error:
        abort(400, description=str(error))
    flash(erased.describe(), "success")
    return redirect(url_for("admin.sender", sender=sender))


@bp.post("/bans")
def ban() -> Response:
    form = BanForm(formdata=request.form)
    if not form.validate():
        bad_request(form)
    try:
        _, spammed = bans.ban(
            form.sender.data,
            BAN_DURATIONS[form.duration.data],
            g.admin.name,
            note=form.note.data or "",
            mark_spam=form.mark_spam.data,
        )
    except ModerationError as error:
        abort(400, description=str(error))
    lasting = BAN_LABELS[form.duration.data].lower()
    message = f"Sender {form.sender.data} is banned ({lasting})."
    if form.mark_spam.data:
        message += f" {plural(spammed, 'comment')} marked as spam."
    flash(message, "success")
    return redirect(url_for("admin.sender", sender=form.sender.data))


@bp.post("/bans/<sender>/lift")
def lift_ban(sender: str) -> Response:
    if not ConfirmForm(formdata=request.form).validate():
        abort(400)
    try:
        lifted = bans.unban(sender, g.admin.name)
    except ModerationError as error:
        abort(400, description=str(error))
    flash(f"Lifted the ban on {sender}." if lifted else "That sender was not banned.", "success")
    return redirect(safe_next(request.args.get("next"), url_for("admin.rules", _anchor="bans")))


# --- rules ---------------------------------------------------------------------


@bp.get("/rules")
def rules() -> str:
    current = moderation_rules.settings()
    settings_form = SettingsForm(
        formdata=None,
        pre_moderation={None: "default", True: "on", False: "off"}[current.pre_moderation],
        hold_first_comment="on" if current.hold_first_comment else "off",
    )
    return render_template(
        "admin/rules.html",
        settings=current,
        settings_form=settings_form,
        phrase_form=PhraseForm(formdata=None),
        phrases=moderation_rules.blocked_phrases(),
        ban_form=BanForm(formdata=None),
        bans=bans.bans(),
        article_form=ArticleForm(formdata=None),
        closed=actions.closed_articles(),
        confirm=ConfirmForm(formdata=None),
        now=utcnow(),
        learnt=learning.summary(),
        trusted_examples=learning.TRUSTED_EXAMPLES,
        likely_rank=learning.LIKELY_RANK,
    )


def _back_to_rules(anchor: str) -> Response:
    return redirect(url_for("admin.rules", _anchor=anchor))


@bp.post("/rules/settings")
def save_settings() -> Response:
    form = SettingsForm(formdata=request.form)
    if not form.validate():
        bad_request(form)
    pre = {"default": None, "on": True, "off": False}[form.pre_moderation.data]
    current = moderation_rules.settings()
    if pre != current.pre_moderation:
        moderation_rules.set_pre_moderation(pre, g.admin.name)
    hold_first = form.hold_first_comment.data == "on"
    if hold_first != current.hold_first_comment:
        moderation_rules.set_hold_first_comment(hold_first, g.admin.name)
    flash("Moderation settings saved.", "success")
    return _back_to_rules("moderation")


@bp.post("/rules/phrases")
def add_phrase() -> Response:
    form = PhraseForm(formdata=request.form)
    if not form.validate():
        bad_request(form)
    try:
        rule = moderation_rules.block_phrase(form.phrase.data, form.action.data, g.admin.name)
    except ModerationError as error:
        abort(400, description=str(error))
    verb = "held" if rule.action == "hold" else "rejected"
    flash(f"Comments containing “{rule.phrase}” will be {verb}.", "success")
    return _back_to_rules("phrases")


@bp.post(f"/rules/phrases/<int(max={MAX_ID}):phrase_id>/delete")
def remove_phrase(phrase_id: int) -> Response:
    if not ConfirmForm(formdata=request.form).validate():
        abort(400)
    rule = db.session.get(BlockedPhrase, phrase_id)
    if rule is not None:
        moderation_rules.unblock_phrase(rule.phrase, g.admin.name)
        flash(f"“{rule.phrase}” is no longer blocked.", "success")
    return _back_to_rules("phrases")


@bp.post("/rules/articles/<any(close, reopen):change>")
def article(change: str) -> Response:
    form = ArticleForm(formdata=request.form)
    if not form.validate():
        bad_request(form)
    closing = change == "close"
    article_id = form.article_id.data
    if actions.set_closed(article_id, closing, g.admin.name):
        word = "closed" if closing else "open again"
        flash(f"Comments on {article_id} are {word}.", "success")
    else:
        flash(f"Comments on {article_id} already were {change}d.", "success")
    return _back_to_rules("articles")


# --- audit log -----------------------------------------------------------------


@bp.get("/audit")
def audit() -> str:
    total = db.session.scalar(select(func.count(AuditEntry.id))) or 0
    page, pages, offset = paginate(total, request.args.get("page", 1, type=int))
    entries = db.session.scalars(
        select(AuditEntry).order_by(AuditEntry.id.desc()).offset(offset).limit(PER_PAGE)
    ).all()
    return render_template("admin/audit.html", entries=entries, page=page, pages=pages)
