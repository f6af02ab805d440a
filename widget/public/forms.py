"""Every form: the public comment form and the admin forms."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..articles import is_valid_id as is_valid_article_id
from ..models import MAX_ID, Status
from ..moderation import text


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
        _readable(self, field)
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
        _readable(self, field)
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


# --- admin forms ---------------------------------------------------------------
# Every POST form below carries Flask-WTF's CSRF token (CSRFProtect checks it
# app-wide; only the API blueprint is exempt). The views pass ``formdata``
# themselves, so a JSON body is never read as a form.

BAN_DURATIONS: dict[str, int | None] = {
    "1": 1,
    "7": 7,
    "30": 30,
    "365": 365,
    "forever": None,
}
BAN_LABELS = {
    "1": "1 day",
    "7": "7 days",
    "30": "30 days",
    "365": "1 year",
    "forever": "Until lifted",
}


def _choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


def _strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


class IdListField(Field):
    """Every value of a repeated field (the rows' checkboxes) as comment ids."""

    MAX_IDS = 500

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = []
        if len(valuelist) > self.MAX_IDS:
            raise ValueError(f"Choose at most {self.MAX_IDS} comments at once.")
        for value in valuelist:
            if not (isinstance(value, str) and value.isascii() and value.isdigit()):
                raise ValueError("Comment ids are whole numbers.")
            if len(value) > 10 or not 1 <= int(value) <= MAX_ID:
                raise ValueError("Comment ids are whole numbers.")
            self.data.append(int(value))

    def _value(self) -> str:
        return ""


class LoginForm(FlaskForm):
    name = StringField("Name", validators=[InputRequired(), Length(max=80), _readable])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=1024)])
    next = HiddenField()


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: log out, unban, unblock, reopen, empty spam."""


class FilterForm(FlaskForm):
    """The comments list filter, read from the query string (no CSRF on GET)."""

    class Meta:
        csrf = False

    status = SelectField(
        "Status",
        choices=_choices({"": "Any status"} | {s.value: s.value.title() for s in Status}),
        default="",
    )
    article = StringField("Article", filters=[_strip], validators=[Length(max=128), _readable])
    q = StringField("Text", filters=[_strip], validators=[Length(max=200), _readable])
    sender = StringField(
        "Sender",
        filters=[_strip],
        validators=[
            Optional(),
            Regexp(r"^[0-9A-Za-z_-]{1,64}$", message="A sender is a hash from the list."),
        ],
    )
    page = IntegerField(
        "Page",
        validators=[Optional(), NumberRange(min=1, max=10**9, message="Pages are numbered 1 up.")],
    )

    def validate_article(self, field: StringField) -> None:
        if field.data and not is_valid_article_id(field.data):
            raise ValidationError("An article ID is letters, digits and -_.:~ (up to 128).")


class WholeNumberField(HiddenField):
    """A hidden count or id the page wrote: ASCII digits up to 2**31-1, or refused."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if not valuelist or valuelist[0] == "":
            return
        value = valuelist[0]
        if not (isinstance(value, str) and value.isascii() and value.isdigit()):
            raise ValueError("Reload the list and try again.")
        if len(value) > 10 or int(value) > MAX_ID:
            raise ValueError("Reload the list and try again.")
        self.data = int(value)


class BulkForm(FlaskForm):
    action = SelectField(
        "Action",
        choices=_choices({"approve": "Approve", "spam": "Mark as spam", "delete": "Delete"}),
    )
    scope = SelectField(choices=_choices({"selected": "Selected", "matching": "Matching"}))
    ids = IdListField()
    # What "all N matching" meant on the page the admin saw: the newest comment
    # then matching, and how many matched. Comments that arrive later are not
    # touched, and a match that changed is asked about again (admin.bulk).
    shown_max_id = WholeNumberField("Newest comment shown")
    shown_count = WholeNumberField("Comments shown")


class BanForm(FlaskForm):
    sender = StringField(
        "Sender (hash)",
        filters=[_strip],
        validators=[
            InputRequired(),
            Regexp(r"^[0-9A-Za-z_-]{1,64}$", message="A sender is a hash from the comments list."),
        ],
    )
    duration = SelectField("Ban for", choices=_choices(BAN_LABELS), default="7")
    note = StringField(
        "Note (for admins)", filters=[_strip], validators=[Length(max=200), _readable]
    )
    mark_spam = BooleanField("Also mark everything they wrote as spam")


class PhraseForm(FlaskForm):
    phrase = StringField(
        "Word or phrase",
        filters=[_strip],
        validators=[InputRequired(), Length(max=200), _readable],
    )
    action = SelectField(
        "Then",
        choices=_choices({"hold": "Hold the comment for review", "reject": "Reject the comment"}),
    )


class ArticleForm(FlaskForm):
    article_id = StringField(
        "Article ID", filters=[_strip], validators=[InputRequired(), Length(max=128)]
    )

    def validate_article_id(self, field: StringField) -> None:
        if not is_valid_article_id(field.data or ""):
            raise ValidationError("An article ID is letters, digits and -_.:~ (up to 128).")


class SettingsForm(FlaskForm):
    pre_moderation = SelectField(
        "Pre-moderation",
        choices=_choices(
            {
                "default": "Default (COMMENTS_MODERATION)",
                "on": "On: hold every new comment",
                "off": "Off: publish at once",
            }
        ),
    )
    hold_first_comment = SelectField(
        "A sender's first comment",
        choices=_choices({"off": "Publish it", "on": "Hold it for review"}),
    )
