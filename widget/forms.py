"""Every form: the public comment form (and, later, the admin forms)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import IntegerField, StringField
from wtforms.validators import Email, Length, Optional, ValidationError

from . import text


def _readable(form: FlaskForm, field: Any) -> None:
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
            _readable,
            Length(max=254, message="An email address has at most 254 characters."),
            Email(message="That does not look like an email address."),
        ],
    )
    parent_id = IntegerField(validators=[Optional()])

    @classmethod
    def from_json(cls, data: dict[str, str | int | None]) -> CommentForm:
        formdata = MultiDict({k: str(v) for k, v in data.items() if v is not None})
        return cls(formdata=formdata)

    def validate_author(self, field: StringField) -> None:
        _readable(self, field)
        if not field.data:
            raise ValidationError("Please enter your name.")
        if text.length(field.data) > 80:
            raise ValidationError(
                f"Your name can be at most 80 characters (it has {text.length(field.data)})."
            )

    def validate_body(self, field: StringField) -> None:
        _readable(self, field)
        minimum, maximum = current_app.config["MIN_LENGTH"], current_app.config["MAX_LENGTH"]
        size = text.length(field.data or "")
        if size == 0:
            raise ValidationError("Please write a comment.")
        if size < minimum:
            raise ValidationError(
                f"Your comment needs at least {minimum} characters (it has {size})."
            )
        if size > maximum:
            raise ValidationError(
                f"Your comment can be at most {maximum} characters (it has {size})."
            )
