"""Geometry of the small server-rendered SVG line charts (no script, no inline style: CSP)."""

from __future__ import annotations

import math
from dataclasses import dataclass

WIDTH, HEIGHT = 320, 120
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 8, 20


@dataclass(frozen=True)
class Chart:
    title: str
    segments: list[str]  # "x,y x,y …" runs of consecutive points with data
    dots: list[tuple[float, float]]
    y_max: float
    y_max_label: str
    threshold_y: float | None  # None when the threshold lies above the plotted range
    threshold_label: str
    first_label: str
    last_label: str
    empty: bool
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^n not below `value` (a readable axis top)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value - 1e-12:
            return float(candidate)
    return float(10 ** (exponent + 1))  # pragma: no cover


def line_chart(
    title: str,
    values: list[float | None],
    *,
    threshold: float,
    fmt,
    first_label: str,
    last_label: str,
    floor: float,
) -> Chart:
    """Plot `values` (None = no calls in that slot) against a y axis from 0 to a readable maximum.

    The axis grows to show the data, with `floor` as its least top so a quiet hour is not drawn as a cliff;
    the threshold line is drawn only when it falls inside the axis (the figures table always states it).
    """
    present = [v for v in values if v is not None]
    y_max = nice_ceiling(max([*present, floor]))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    step = plot_w / max(1, len(values) - 1)

    def y_of(value: float) -> float:
        return round(TOP + plot_h * (1 - min(value, y_max) / y_max), 1)

    segments, dots, run = [], [], []
    for index, value in enumerate(values):
        if value is None:
            if run:
                segments.append(" ".join(run))
                run = []
            continue
        x, y = round(LEFT + index * step, 1), y_of(value)
        run.append(f"{x},{y}")
        dots.append((x, y))
    if run:
        segments.append(" ".join(run))
    return Chart(
        title=title,
        segments=[s for s in segments if " " in s],
        dots=dots,
        y_max=y_max,
        y_max_label=fmt(y_max),
        threshold_y=y_of(threshold) if threshold <= y_max else None,
        threshold_label=fmt(threshold),
        first_label=first_label,
        last_label=last_label,
        empty=not present,
    )
