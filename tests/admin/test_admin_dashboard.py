"""The dashboard: counts by status, the queue, and the 30-day chart."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask

from widget.admin import chart
from widget.extensions import db
from widget.models import Comment

from ..admin_support import signed_in
from ..conftest import LONG_BODY


def add(app: Flask, status: str, days_ago: int, count: int = 1, **fields: str) -> None:
    when = datetime.now(UTC).replace(hour=12) - timedelta(days=days_ago)
    with app.app_context():
        db.session.add_all(
            Comment(
                article_id="a1",
                author=fields.get("author", "A"),
                body=LONG_BODY,
                sender_hash="s",
                status=status,
                reason=fields.get("reason"),
                created_at=when,
            )
            for _ in range(count)
        )
        db.session.commit()


def test_counts_queue_and_chart(app: Flask) -> None:
    add(app, "published", 0, 3)
    add(app, "spam", 0, 2)
    add(app, "pending", 2, 1, author="<b>Held</b>", reason="too_many_links")
    add(app, "deleted", 5, 4)
    add(app, "published", 40, 7)  # older than the chart
    admin = signed_in(app)

    html = admin.get("/admin/").get_data(as_text=True)

    for number, label in ((10, "Published"), (1, "Waiting for review"), (2, "Spam")):
        assert f'<span class="stat-number">{number}</span>' in html
        assert f'<span class="stat-label">{label}</span>' in html
    assert "&lt;b&gt;Held&lt;/b&gt;" in html and "More than 2 links" in html
    today = datetime.now(UTC).date()
    assert f"<title>{today.isoformat()}: 5 comments, 2 spam</title>" in html
    two_days = (today - timedelta(days=2)).isoformat()
    assert f"<title>{two_days}: 1 comments, 0 spam</title>" in html
    assert "10 in all, of which 2 spam" in html  # the 40-day-old ones are left out
    assert html.count('class="bar-all"') == 3
    assert html.count('class="bar-spam"') == 1


def test_an_empty_dashboard(app: Flask) -> None:
    html = signed_in(app).get("/admin/").get_data(as_text=True)

    assert "Nothing is waiting." in html
    assert "0 in all, of which 0 spam" in html
    assert html.count("<title>") == 1 + 30  # the page, and a tooltip per day


def test_chart_layout() -> None:
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(30)]
    laid = chart.layout(days, {days[0]: 30, days[-1]: 15}, {days[-1]: 5, days[3]: 9})

    first, last = laid.bars[0], laid.bars[-1]
    assert [value for _, value in laid.ticks] == [0, 15, 30]
    assert first.y == chart.TOP and first.height == laid.plot_bottom - chart.TOP
    assert last.height == first.height / 2
    assert last.spam_height == first.height / 6
    assert laid.bars[3].spam == 0  # spam never exceeds what was received
    assert last.label == "Jan 30" and laid.bars[-8].label == "Jan 23"
    assert last.x + last.width <= laid.right
    assert (laid.total, laid.spam) == (45, 5)
