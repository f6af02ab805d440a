"""The public comment form (the admin forms are in ``widget/admin/forms.py``)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    IntegerField,
    StringField,
)
from wtforms.validators import (
    Email,
    Length,
    Optional,
    ValidationError,
)

from ..moderation import text


def readable(form: FlaskForm, field: Any) -> None:
    if field.data is not None and not text.is_storable(field.data):
        raise ValidationError(_("Contains control characters that cannot be stored."))


class CommentForm(FlaskForm):
    """A reader's comment, built from a JSON object the API has type-checked.

    Never let FlaskForm read the request itself (see STYLE.md): the API passes
    ``formdata`` explicitly.
    """

    class Meta:
        csrf = False  # the public API carries no cookies: nothing to forge

    author = StringField(filters=[lambda v: text.trim(v) if isinstance(v, str) else v])
    body = StringField(filters=[lambda v: text.trim(v) if isinstance(v, str) else v])
    email = StringField(
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[
            Optional(),
            readable,
            # Lazy: the form is defined once, its messages read per request.
            Length(max=254, message=lazy_gettext("An email address has at most 254 characters.")),
            Email(message=lazy_gettext("That does not look like an email address.")),
        ],
    )
    parent_id = IntegerField(validators=[Optional()])

    @staticmethod
    def oversized(data: dict[str, Any]) -> dict[str, list[str]]:
        """Text fields far over their limits, refused before any text work
        (trimming, checks, phrase matching all look at every character)."""
        maximum = current_app.config["MAX_LENGTH"]
        limits = {
            "author": (text.MAX_RAW_AUTHOR, _too_long_name),
            "body": (2 * maximum + text.RAW_BODY_SLACK, _too_long_comment),
            "email": (text.MAX_RAW_EMAIL, _too_long_email),
        }
        return {
            name: [message(len(data[name]))]
            for name, (limit, message) in limits.items()
            if isinstance(data.get(name), str) and len(data[name]) > limit
        }

    @classmethod
    def from_json(cls, data: dict[str, str | int | None]) -> CommentForm:
        formdata = MultiDict({k: str(v) for k, v in data.items() if v is not None})
        return cls(formdata=formdata)

    def validate_author(self, field: StringField) -> None:
        readable(self, field)
        if not field.data:
            raise ValidationError(_("Please enter your name."))
        hidden = text.hidden_character(field.data)
        if hidden:  # a name must read as what it is: no reordering, nothing unseen
            raise ValidationError(
                _(
                    "Your name contains an invisible or direction-changing character "
                    "(%(character)s). Please remove it.",
                    character=hidden,
                )
            )
        if not text.has_letter_or_digit(field.data):
            raise ValidationError(_("Your name needs at least one letter or digit."))
        if text.length(field.data) > 80:
            raise ValidationError(_too_long_name(text.length(field.data)))

    def validate_body(self, field: StringField) -> None:
        readable(self, field)
        minimum, maximum = current_app.config["MIN_LENGTH"], current_app.config["MAX_LENGTH"]
        size = text.length(field.data or "")
        if size == 0:
            raise ValidationError(_("Please write a comment."))
        # Refused rather than removed: the text is stored exactly as written.
        hidden = text.hidden_character(field.data, allowed=text.COMMENT_ONLY)
        if hidden:
            raise ValidationError(
                _(
                    "Your comment contains an invisible or direction-changing character "
                    "(%(character)s). Please remove it.",
                    character=hidden,
                )
            )
        if size < minimum:
            raise ValidationError(
                _(
                    "Your comment needs at least %(minimum)s characters (it has %(size)s).",
                    minimum=minimum,
                    size=size,
                )
            )
        visible = text.visible_length(field.data)
        if visible == 0:
            raise ValidationError(_("Please write a comment."))
        if visible < minimum:  # blank fillers and marks do not make up the minimum
            raise ValidationError(
                _(
                    "Your comment needs at least %(minimum)s visible characters (it has %(size)s).",
                    minimum=minimum,
                    size=visible,
                )
            )
        if size > maximum:
            raise ValidationError(_too_long_comment(size))


def _too_long_name(size: int) -> str:
    return _("Your name can be at most 80 characters (it has %(size)s).", size=size)


def _too_long_comment(size: int) -> str:
    return _(
        "Your comment can be at most %(maximum)s characters (it has %(size)s).",
        maximum=current_app.config["MAX_LENGTH"],
        size=size,
    )


def _too_long_email(size: int) -> str:
    return _("An email address has at most 254 characters (it has %(size)s).", size=size)
