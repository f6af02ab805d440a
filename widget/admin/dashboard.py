"""The dashboard: counts by status and of reported comments, the 30-day chart,
the pending queue."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import render_template
from sqlalchemy import func, select

from ..extensions import db
from ..models import Comment, Status
from ..moderation import reports, rules
from . import chart
from .blueprint import bp, counts_by_status

CHART_DAYS = 30


def _day_column() -> Any:
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", Comment.created_at))
    return func.date(Comment.created_at)  # SQLite keeps UTC text


def _daily_chart() -> chart.Chart:
    today = datetime.now(UTC).date()
    days = [today - timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    since = datetime.combine(days[0], datetime.min.time(), tzinfo=UTC)
    day = _day_column()
    rows = db.session.execute(
        select(day, Comment.status, func.count(Comment.id))
        .where(Comment.created_at >= since)
        .group_by(day, Comment.status)
    ).all()
    totals: dict[date, int] = {}
    spam: dict[date, int] = {}
    for raw_day, status, number in rows:
        when = date.fromisoformat(str(raw_day)[:10])
        totals[when] = totals.get(when, 0) + number
        if status == Status.SPAM:
            spam[when] = spam.get(when, 0) + number
    return chart.layout(days, totals, spam)


@bp.get("/")
def dashboard() -> str:
    pending = db.session.scalars(
        select(Comment).where(Comment.status == Status.PENDING).order_by(Comment.id).limit(10)
    ).all()
    return render_template(
        "admin/dashboard.html",
        counts=counts_by_status(),
        reported=reports.queued_count(),
        pending=pending,
        chart=_daily_chart(),
        settings=rules.settings(),
    )
