"""The Reported queue: comments readers reported, with the admin's decision.

Keep and remove take the comments' ids: one (a row's buttons) or the checked
ones (the bulk buttons, one shared reason). What they do is in
widget/moderation/reports.py, which the CLI can use too: one transaction and
one audit entry each.
"""

from __future__ import annotations

from flask import Response, flash, g, redirect, render_template, request, url_for

from ..moderation import ModerationError
from ..moderation import reports as queue
from ..ops.cli import plural
from .blueprint import PER_PAGE, bad_request, bp, paginate, parents_of
from .forms import ConfirmForm, KeepForm, PageForm, RemoveForm

DONE = {"keep": "Kept", "remove": "Removed"}


@bp.get("/reports")
def reported() -> str:
    form = PageForm(formdata=request.args)
    if not form.validate():
        bad_request(form)
    total = queue.queued_count()
    page, pages, offset = paginate(total, form.page.data)
    entries = queue.queue(offset, PER_PAGE)
    return render_template(
        "admin/reports.html",
        entries=entries,
        parents=parents_of([entry.comment for entry in entries]),
        total=total,
        page=page,
        pages=pages,
        labels=queue.REASON_LABELS,
        confirm=ConfirmForm(formdata=None),
    )


@bp.post("/reports/keep")
def keep_reported() -> Response:
    form = KeepForm(formdata=request.form)
    if not form.validate():
        bad_request(form)
    return _act("keep", form.ids.data, None)


@bp.post("/reports/remove")
def remove_reported() -> Response:
    form = RemoveForm(formdata=request.form)
    if not form.validate():
        bad_request(form)
    return _act("remove", form.ids.data, form.decision.data)


def _back() -> Response:
    return redirect(url_for("admin.reported"))


def _act(action: str, ids: list[int], decision: str | None) -> Response:
    """Keep or remove, then back to the queue with what happened, in words."""
    if not ids:
        flash("Choose at least one comment.", "error")
        return _back()
    try:
        if action == "keep":
            changed = queue.keep(ids, g.admin.name)
        else:
            changed = queue.remove(ids, decision or "", g.admin.name)
    except ModerationError as error:
        flash(str(error), "error")
        return _back()
    if changed:
        flash(f"{DONE[action]}: {plural(changed, 'comment')}.", "success")
    else:
        flash("Nothing changed: the reports were already dealt with.", "error")
    return _back()
