"""The comments list, its filters, bulk actions, a comment's own page (with
what the spam filter saw in it), and emptying spam."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from ..extensions import db
from ..models import MAX_ID, Comment, Status
from ..moderation import ModerationError, actions, classifier, learning
from ..moderation.selection import Selection, count, count_upto, latest_id, newest
from ..ops.cli import plural
from .blueprint import PER_PAGE, bad_request, bp, counts_by_status, paginate, parents_of, safe_next
from .forms import BulkForm, ConfirmForm, FilterForm

DONE = {"approve": "Approved", "spam": "Marked as spam", "delete": "Deleted"}
EXPLAINED = 12  # features shown on a comment's page, the strongest first
# The list counts this far, then says "more than": at a million comments an
# exact count costs more than the page itself (counting 10,001 matches of a
# common pair of words took 126 ms on PostgreSQL, 1,001 took 10 ms). Pages
# go as deep as the count (OFFSET up to COUNT_CAP): past that, narrow.
COUNT_CAP = 1_000


def _selection_from_args() -> tuple[FilterForm, Selection]:
    form = FilterForm(formdata=request.args)
    if not form.validate():
        bad_request(form)
    try:
        selection = Selection.of(
            status=form.status.data,
            article_id=form.article.data,
            search=form.q.data,
            sender=form.sender.data,
            likely_spam=form.likely_spam.data,
        )
    except ModerationError as error:
        abort(400, description=str(error))
    return form, selection


@bp.get("/comments")
def comments() -> str:
    form, selection = _selection_from_args()
    counted = count_upto(selection, COUNT_CAP)
    capped = counted > COUNT_CAP
    total = min(counted, COUNT_CAP)
    page, pages, offset = paginate(total, form.page.data)
    rows = db.session.scalars(newest(selection).offset(offset).limit(PER_PAGE)).all()
    newest_id = rows[0].id if rows and page == 1 else None
    return render_template(
        "admin/comments.html",
        form=form,
        filters=selection.filters(),
        is_filtered=not selection.is_everything,
        rows=rows,
        parents=parents_of(rows),
        total=total,
        capped=capped,
        page=page,
        pages=pages,
        bulk=_bulk_form(selection, None if capped else total, newest_id=newest_id),
        spam_count=count(Selection(status=Status.SPAM)),
    )


def _bulk_form(
    matching: Selection, total: int | None, action: str | None = None, newest_id: int | None = None
) -> BulkForm:
    """The bulk form, remembering what "all N matching" means right now
    (``total`` None: more than COUNT_CAP, counted exactly before acting)."""
    shown = {
        "shown_max_id": newest_id or latest_id(matching),
        "shown_count": total,
        "shown_more_than": COUNT_CAP if total is None else None,
    }
    return BulkForm(formdata=None, action=action, **shown)


def _matching_as_shown(form: BulkForm, matching: Selection) -> Selection | None:
    """The comments "all N matching" meant on the admin's page: none that
    arrived since, and None when the match has changed since."""
    if form.shown_max_id.data is None or form.shown_count.data is None:
        abort(400, description="Reload the list, then apply the action again.")
    selection = matching.up_to(form.shown_max_id.data)
    return selection if count(selection) == form.shown_count.data else None


def _list_changed(form: BulkForm, matching: Selection) -> tuple[str, int]:
    """Nothing was done: say so, with the new count, and ask again."""
    total = count(matching)
    page = render_template(
        "admin/bulk_changed.html",
        action=form.action.data,
        shown=form.shown_count.data,
        total=total,
        filters=matching.filters(),
        bulk=_bulk_form(matching, total, form.action.data),
    )
    return page, 409


def _confirm_count(form: BulkForm, matching: Selection) -> str:
    """The list said "more than N": nothing is done until the admin confirms
    the exact number of the comments their page covered (none newer)."""
    total = count(matching.up_to(form.shown_max_id.data))
    bulk = BulkForm(
        formdata=None,
        action=form.action.data,
        shown_max_id=form.shown_max_id.data,
        shown_count=total,
    )
    return render_template(
        "admin/bulk_changed.html",
        action=form.action.data,
        shown=None,
        more_than=form.shown_more_than.data,
        total=total,
        filters=matching.filters(),
        bulk=bulk,
    )


@bp.post("/comments/bulk")
def bulk() -> Response | str | tuple[str, int]:
    _, matching = _selection_from_args()
    # A comment's own page sends ?next= to come back to it; the list, its filter.
    back = safe_next(request.args.get("next"), url_for("admin.comments", **matching.filters()))
    form = BulkForm(formdata=request.form)
    if not form.validate():
        bad_request(form)
    if form.scope.data == "selected":
        if not form.ids.data:
            flash("Choose at least one comment, or apply the action to every match.", "error")
            return redirect(back)
        selection = Selection.of(ids=form.ids.data)
    elif form.shown_count.data is None and form.shown_more_than.data is not None:
        if form.shown_max_id.data is None:
            abort(400, description="Reload the list, then apply the action again.")
        return _confirm_count(form, matching)
    else:
        selection = _matching_as_shown(form, matching)
        if selection is None:
            return _list_changed(form, matching)
    changed = actions.change_status(selection, form.action.data, g.admin.name)
    flash(f"{DONE[form.action.data]}: {plural(changed, 'comment')}.", "success")
    return redirect(back)


# --- one comment ----------------------------------------------------------------


@dataclass(frozen=True)
class Weight:
    """One feature the filter saw in a comment, named as an admin reads it."""

    kind: str  # "word", "words", "letters" (a piece of a word), "link" or "link to"
    shown: str
    weight: float  # log-odds: > 0 pushes towards spam, < 0 towards good

    @property
    def towards(self) -> str:
        return "spam" if self.weight > 0 else "good" if self.weight < 0 else "neither"


def weight(token: str, value: float) -> Weight:
    """A feature as classifier.tokens names it, as an admin reads it: a
    character n-gram (its spaces are word edges, shown as ␣), any link, a
    link's host, a pair of words or a word."""
    if token.startswith(classifier.GRAM):
        return Weight("letters", token.removeprefix(classifier.GRAM).replace(" ", "␣"), value)
    if token == classifier.LINK:
        return Weight("link", "any link", value)
    if token.startswith(classifier.HOST):
        return Weight("link to", token.removeprefix(classifier.HOST), value)
    return Weight("words" if " " in token else "word", token, value)


@bp.get(f"/comments/<int(max={MAX_ID}):comment_id>")
def comment(comment_id: int) -> str:
    found = db.session.get(Comment, comment_id)
    if found is None:
        abort(404, description=f"There is no comment #{comment_id}.")
    learnt = learning.summary()
    weights = None
    if learnt.trusted:  # an untrained filter's weights would explain nothing
        explained = learning.current().explain(found.body, EXPLAINED)
        weights = [weight(token, value) for token, value in explained]
    return render_template(
        "admin/comment.html",
        c=found,
        parent=parents_of([found]).get(found.parent_id),
        weights=weights,
        learnt=learnt,
        trusted_examples=learning.TRUSTED_EXAMPLES,
        likely_rank=learning.LIKELY_RANK,
        bulk=BulkForm(formdata=None),
    )


@bp.get("/comments/empty-spam")
def confirm_empty_spam() -> str:
    """Removing spam cannot be undone: say how much, and ask once more."""
    return render_template(
        "admin/empty_spam.html",
        spam_count=counts_by_status()[Status.SPAM.value],
        form=ConfirmForm(formdata=None),
    )


@bp.post("/comments/empty-spam")
def empty_spam() -> Response:
    if not ConfirmForm(formdata=request.form).validate():
        abort(400)
    removed = actions.empty_spam(g.admin.name)
    flash(f"Removed {plural(removed, 'spam comment')} for good.", "success")
    return redirect(url_for("admin.comments", status=Status.SPAM.value))
