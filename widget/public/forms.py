"""The public comment form (the admin forms are in ``widget/admin/forms.py``)."""

from __future__ import annotations

from typing import Any

from flask import current_app
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
        raise ValidationError("Contains control characters that cannot be stored.")


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
            Length(max=254, message="An email address has at most 254 characters."),
            Email(message="That does not look like an email address."),
        ],
    )
    parent_id = IntegerField(validators=[Optional()])

    @staticmethod
    def oversized(data: dict[str, Any]) -> dict[str, list[str]]:
        """Text fields far over their limits, refused before any text work
        (trimming, checks, phrase matching all look at every character)."""
        maximum = current_app.config["MAX_LENGTH"]
        limits = {
            "author": (text.MAX_RAW_AUTHOR, "Your name can be at most 80 characters"),
            "body": (
                2 * maximum + text.RAW_BODY_SLACK,
                f"Your comment can be at most {maximum} characters",
            ),
            "email": (text.MAX_RAW_EMAIL, "An email address has at most 254 characters"),
        }
        return {
            name: [f"{message} (it has {len(data[name])})."]
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
            raise ValidationError("Please enter your name.")
        hidden = text.hidden_character(field.data)
        if hidden:  # a name must read as what it is: no reordering, nothing unseen
            raise ValidationError(
                f"Your name contains an invisible or direction-changing character ({hidden}). "
                "Please remove it."
            )
        if not text.has_letter_or_digit(field.data):
            raise ValidationError("Your name needs at least one letter or digit.")
        if text.length(field.data) > 80:
            raise ValidationError(
                f"Your name can be at most 80 characters (it has {text.length(field.data)})."
            )

    def validate_body(self, field: StringField) -> None:
        readable(self, field)
        minimum, maximum = current_app.config["MIN_LENGTH"], current_app.config["MAX_LENGTH"]
        size = text.length(field.data or "")
        if size == 0:
            raise ValidationError("Please write a comment.")
        # Refused rather than removed: the text is stored exactly as written.
        hidden = text.hidden_character(field.data, allowed=text.COMMENT_ONLY)
        if hidden:
            raise ValidationError(
                f"Your comment contains an invisible or direction-changing character ({hidden}). "
                "Please remove it."
            )
        if size < minimum:
            raise ValidationError(
                f"Your comment needs at least {minimum} characters (it has {size})."
            )
        visible = text.visible_length(field.data)
        if visible == 0:
            raise ValidationError("Please write a comment.")
        if visible < minimum:  # blank fillers and marks do not make up the minimum
            raise ValidationError(
                f"Your comment needs at least {minimum} visible characters (it has {visible})."
            )
        if size > maximum:
            raise ValidationError(
                f"Your comment can be at most {maximum} characters (it has {size})."
            )
