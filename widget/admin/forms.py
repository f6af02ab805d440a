"""The admin area's forms.

Every POST form below carries Flask-WTF's CSRF token (CSRFProtect checks it
app-wide; only the API blueprint is exempt). The views pass ``formdata``
themselves, so a JSON body is never read as a form.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from ..articles import is_valid_id as is_valid_article_id
from ..models import MAX_ID, Status
from ..moderation.reports import MAX_DECISION
from ..public.forms import readable

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
    name = StringField("Name", validators=[InputRequired(), Length(max=80), readable])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=1024)])
    next = HiddenField()


class ConfirmForm(FlaskForm):
    """A button and its CSRF token: log out, unban, unblock, reopen, empty spam."""


class PageForm(FlaskForm):
    """A list's page number, read from the query string (no CSRF on GET)."""

    class Meta:
        csrf = False

    page = IntegerField(
        "Page",
        validators=[Optional(), NumberRange(min=1, max=10**9, message="Pages are numbered 1 up.")],
    )


class FilterForm(PageForm):
    """The comments list filter, and its page."""

    status = SelectField(
        "Status",
        choices=_choices({"": "Any status"} | {s.value: s.value.title() for s in Status}),
        default="",
    )
    article = StringField("Article", filters=[_strip], validators=[Length(max=128), readable])
    q = StringField("Text", filters=[_strip], validators=[Length(max=200), readable])
    sender = StringField(
        "Sender",
        filters=[_strip],
        validators=[
            Optional(),
            Regexp(r"^[0-9A-Za-z_-]{1,64}$", message="A sender is a hash from the list."),
        ],
    )
    # Scored at or above learning.LIKELY_RANK when posted; "1" in the query string.
    likely_spam = BooleanField("Likely spam", false_values=("", "0", "false", "off"))

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
    # Instead of shown_count when the list said only "more than N match"
    # (admin/comments.py COUNT_CAP): the action first counts them exactly and
    # asks the admin to confirm that number.
    shown_more_than = WholeNumberField("Counted up to")


class KeepForm(FlaskForm):
    """Keep one reported comment (a row's button) or the checked ones."""

    ids = IdListField()


class RemoveForm(KeepForm):
    """Remove one reported comment or the checked ones; the admin writes why
    (one reason for all), and its author is told."""

    decision = TextAreaField(
        "Reason for removal",
        filters=[_strip],
        validators=[Length(max=MAX_DECISION), readable],
    )


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
        "Note (for admins)", filters=[_strip], validators=[Length(max=200), readable]
    )
    mark_spam = BooleanField("Also mark everything they wrote as spam")


class PhraseForm(FlaskForm):
    phrase = StringField(
        "Word or phrase",
        filters=[_strip],
        validators=[InputRequired(), Length(max=200), readable],
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
