"""The dashboard's bar chart, laid out on the server as plain numbers.

The template draws them as inline SVG: no script, no library, nothing the
admin pages' Content-Security-Policy would have to allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WIDTH = 720
HEIGHT = 220
LEFT = 40  # room for the scale
RIGHT = 24  # room for the last date
BOTTOM = 24  # room for the dates
TOP = 10


@dataclass(frozen=True)
class Bar:
    day: date
    total: int
    spam: int
    x: float
    width: float
    y: float  # top of the whole bar
    height: float
    spam_y: float  # top of the spam part, drawn over the bottom of the bar
    spam_height: float
    label: str | None  # the date under every seventh bar


@dataclass(frozen=True)
class Chart:
    bars: list[Bar]
    ticks: list[tuple[float, int]]  # (y, value) for the scale lines
    width: int
    height: int
    left: int
    right: int  # where the plot ends
    plot_bottom: int
    total: int
    spam: int


def _nice_ceiling(value: int) -> int:
    """The top of the scale: 4, or the smallest m x 10**n (m in 1, 2, 3, 4,
    5, 6, 8; n >= 1) at or above value, so the middle line is a whole number."""
    if value <= 4:
        return 4
    step = 10
    while True:
        for factor in (1, 2, 3, 4, 5, 6, 8):
            if step * factor >= value:
                return step * factor
        step *= 10


def layout(days: list[date], totals: dict[date, int], spam: dict[date, int]) -> Chart:
    """Bars for ``days``: every comment received, and the spam among them."""
    plot_height = HEIGHT - TOP - BOTTOM
    plot_bottom = HEIGHT - BOTTOM
    top = _nice_ceiling(max([totals.get(d, 0) for d in days] or [0]))
    slot = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    bars = []
    for index, day in enumerate(days):
        total, junk = totals.get(day, 0), min(spam.get(day, 0), totals.get(day, 0))
        height = plot_height * total / top
        spam_height = plot_height * junk / top
        bars.append(
            Bar(
                day=day,
                total=total,
                spam=junk,
                x=round(LEFT + index * slot + slot * 0.15, 1),
                width=round(slot * 0.7, 1),
                y=round(plot_bottom - height, 1),
                height=round(height, 1),
                spam_y=round(plot_bottom - spam_height, 1),
                spam_height=round(spam_height, 1),
                label=day.strftime("%b %-d") if (len(days) - 1 - index) % 7 == 0 else None,
            )
        )
    ticks = [(round(plot_bottom - plot_height * f, 1), int(top * f)) for f in (0, 0.5, 1)]
    return Chart(
        bars=bars,
        ticks=ticks,
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        right=WIDTH - RIGHT,
        plot_bottom=plot_bottom,
        total=sum(b.total for b in bars),
        spam=sum(b.spam for b in bars),
    )
