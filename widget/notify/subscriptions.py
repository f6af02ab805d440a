"""Reply mails with double opt-in, and the pages their links open.

A reader who ticks "Email me when someone replies" gets one confirmation
mail (at most one a day per address, its link signed and valid 48 hours);
nothing else goes to the address until they confirm. Then each published
reply to one of their comments is one mail, at most ``DAILY_CAP`` a day,
each with a one-click unsubscribe link (RFC 8058). The links open a page
with a button; only the POST acts, so link scanners that fetch every URL in
a mail confirm and unsubscribe nobody.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask import Blueprint, abort, current_app, render_template, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Comment, Status, utcnow
from . import mail, outbox
from .models import Kind, ReplyWatch, Subscriber, SubscriberStatus

CONFIRM_MAX_AGE = timedelta(hours=48)
RESEND_AFTER = timedelta(days=1)  # another confirmation mail to one address
DAILY_CAP = 20  # reply mails per address per day
CHUNK = 500

bp = Blueprint("mail", __name__, url_prefix="/mail")


def _signer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"reply-mail-{purpose}")


def _stamp(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment else 0


def watch(comment_id: int, email: str, base_url: str | None) -> None:
    """Tell ``email`` of replies to this comment, once it is confirmed."""
    if not current_app.config["SMTP_URL"]:
        return
    subscriber = _subscriber(_address(email))
    now = utcnow()
    confirmed = subscriber.status == SubscriberStatus.CONFIRMED
    last = subscriber.confirmation_sent_at
    if not confirmed and (last is None or now - last >= RESEND_AFTER):
        subscriber.status = SubscriberStatus.PENDING
        subscriber.confirmation_sent_at = now.replace(microsecond=0)
        db.session.flush()
        token = _signer("confirm").dumps([subscriber.id, _stamp(subscriber.confirmation_sent_at)])
        text = render_template(
            "mail/confirm.txt", link=f"{base_url or ''}/mail/confirm?token={token}"
        )
        outbox.add(
            Kind.MAIL,
            mail.message(current_app.config, subscriber.email, _("Confirm reply emails"), text),
        )
    language = str(get_locale() or "en")
    db.session.add(
        ReplyWatch(comment_id=comment_id, subscriber_id=subscriber.id, language=language)
    )


def _address(email: str) -> str:
    """An address as subscribers are kept and compared: trimmed, lower-cased."""
    return email.strip().lower()


def _subscriber(email: str) -> Subscriber:
    found = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
    if found is not None:
        return found
    try:
        with db.session.begin_nested():  # another post may be adding the same address
            created = Subscriber(email=email)
            db.session.add(created)
        return created
    except IntegrityError:
        return db.session.scalars(select(Subscriber).where(Subscriber.email == email)).one()


def replies_published(ids: Sequence[int], base_url: str | None) -> None:
    """Record a mail for each published reply whose parent's author confirmed."""
    if not current_app.config["SMTP_URL"]:
        return
    parent = aliased(Comment)
    for start in range(0, len(ids), CHUNK):
        rows = db.session.execute(
            select(Comment, parent, Subscriber, ReplyWatch.language)
            .join(parent, parent.id == Comment.parent_id)
            .join(ReplyWatch, ReplyWatch.comment_id == parent.id)
            .join(Subscriber, Subscriber.id == ReplyWatch.subscriber_id)
            .where(
                Comment.id.in_(ids[start : start + CHUNK]),
                Comment.status == Status.PUBLISHED,
                Subscriber.status == SubscriberStatus.CONFIRMED,
            )
        ).all()
        for reply, answered, subscriber, language in rows:
            own = _address(reply.email or "") == subscriber.email
            if not own and _within_cap(subscriber):
                with force_locale(language):  # the reader's, not the replier's
                    if _reply_mail(reply, answered, subscriber, base_url):
                        subscriber.mails_that_day += 1


def _within_cap(subscriber: Subscriber) -> bool:
    """Whether the address may have another reply mail today."""
    today = utcnow().date().isoformat()
    if subscriber.mail_day != today:
        subscriber.mail_day, subscriber.mails_that_day = today, 0
    return subscriber.mails_that_day < DAILY_CAP


def _reply_mail(
    reply: Comment, answered: Comment, subscriber: Subscriber, base: str | None
) -> bool:
    """Record the mail for this reply; False if it was recorded before."""
    link = f"{base or ''}/mail/unsubscribe?token={_signer('unsubscribe').dumps(subscriber.id)}"
    text = render_template(
        "mail/reply.txt",
        author=mail.defang(reply.author),
        body=mail.defang(reply.body),
        answered=mail.defang(answered.body),
        article_id=mail.defang(reply.article_id),
        unsubscribe=link,
    )
    message = mail.message(
        current_app.config,
        subscriber.email,
        _("%(author)s replied to your comment", author=reply.author),
        text,
        {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"},
    )
    # One mail per reply and address, however often the reply is re-approved.
    return outbox.add_once(Kind.MAIL, message, f"reply:{reply.id}:{subscriber.id}")


# --- the pages the links open -------------------------------------------------


def _confirming() -> Subscriber:
    try:
        subscriber_id, stamp = _signer("confirm").loads(
            request.args.get("token", ""), max_age=int(CONFIRM_MAX_AGE.total_seconds())
        )
    except SignatureExpired:
        abort(
            400,
            _("This confirmation link has expired. Tick the box again on your next comment."),
        )
    except (BadSignature, TypeError, ValueError):
        abort(400, _("This confirmation link is not valid."))
    subscriber = (
        db.session.get(Subscriber, subscriber_id) if isinstance(subscriber_id, int) else None
    )
    if subscriber is None or _stamp(subscriber.confirmation_sent_at) != stamp:
        abort(400, _("This confirmation link was replaced by a newer one, or is no longer valid."))
    return subscriber


@bp.route("/confirm", methods=["GET", "POST"])
def confirm() -> str:
    subscriber = _confirming()
    done = request.method == "POST"
    if done and subscriber.status != SubscriberStatus.CONFIRMED:
        subscriber.status = SubscriberStatus.CONFIRMED
        subscriber.confirmed_at = utcnow()
        db.session.commit()
    return render_template("mail/page.html", page="confirm", done=done, email=subscriber.email)


def _unsubscribing() -> Subscriber | None:
    try:
        subscriber_id = _signer("unsubscribe").loads(request.args.get("token", ""))
    except BadSignature:
        abort(400, _("This unsubscribe link is not valid."))
    if not isinstance(subscriber_id, int):
        abort(400, _("This unsubscribe link is not valid."))
    return db.session.get(Subscriber, subscriber_id)


@bp.route("/unsubscribe", methods=["GET", "POST"])
def unsubscribe() -> str:
    """GET: a button. POST (the button, or a mail client's one-click
    ``List-Unsubscribe=One-Click``): no more reply mails, watches forgotten."""
    subscriber = _unsubscribing()
    done = request.method == "POST"
    if done and subscriber is not None:
        subscriber.status = SubscriberStatus.UNSUBSCRIBED
        db.session.execute(delete(ReplyWatch).where(ReplyWatch.subscriber_id == subscriber.id))
        db.session.commit()
    email = subscriber.email if subscriber is not None else None
    return render_template("mail/page.html", page="unsubscribe", done=done, email=email)


@bp.errorhandler(400)
def _bad_link(error: Exception) -> tuple[str, int]:
    message = getattr(error, "description", None) or _("This link is not valid.")
    return render_template("mail/page.html", page="error", message=message), 400
