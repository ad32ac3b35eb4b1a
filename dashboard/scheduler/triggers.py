"""When jobs fire, in a form every process agrees on.

Each trigger is anchored to a fixed instant, so two processes started minutes apart still fire at the same times
(an unanchored 30-minute interval would fire at :07/:37 in one worker and :12/:42 in another: two runs per slot).
`previous_fire_time(now)` names the slot a firing stands for; the runner uses it to run each slot once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from dashboard.timeutil import SHANGHAI

# Midnight in Shanghai: a 30-minute interval fires on the hour and the half hour, local time.
ANCHOR = datetime(2024, 1, 1, tzinfo=SHANGHAI)


@dataclass(frozen=True)
class Every:
    """Every `seconds`, on multiples of the interval counted from ANCHOR."""

    seconds: float

    def __post_init__(self) -> None:
        if self.seconds <= 0:
            raise ValueError(f"interval must be positive, got {self.seconds}")

    @classmethod
    def minutes(cls, value: int) -> Every:
        return cls(value * 60)

    @property
    def period(self) -> timedelta:
        return timedelta(seconds=self.seconds)

    def describe(self) -> str:
        if self.seconds % 60 == 0:
            return f"每 {int(self.seconds // 60)} 分钟"
        return f"每 {self.seconds:g} 秒"

    def apscheduler_trigger(self) -> BaseTrigger:
        return IntervalTrigger(seconds=self.seconds, start_date=ANCHOR, timezone=SHANGHAI)

    def previous_fire_time(self, now: datetime) -> datetime:
        slots = (now - ANCHOR) // self.period
        return (ANCHOR + slots * self.period).astimezone(UTC)

    def next_fire_time(self, now: datetime) -> datetime:
        return self.previous_fire_time(now) + self.period


@dataclass(frozen=True)
class DailyAt:
    """Once a day at hour:minute, Asia/Shanghai (which has no daylight saving, so a day is always 24 h)."""

    hour: int
    minute: int

    @classmethod
    def parse(cls, text: str | None) -> DailyAt:
        match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", (text or "").strip())
        if not match:
            raise ValueError(f"a daily time must be HH:MM (00:00–23:59), got {text!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    def describe(self) -> str:
        return f"每天 {self.hour:02d}:{self.minute:02d}（北京时间）"

    def apscheduler_trigger(self) -> BaseTrigger:
        return CronTrigger(hour=self.hour, minute=self.minute, timezone=SHANGHAI)

    def previous_fire_time(self, now: datetime) -> datetime:
        local = now.astimezone(SHANGHAI)
        fire = local.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        if fire > local:
            fire -= timedelta(days=1)
        return fire.astimezone(UTC)

    def next_fire_time(self, now: datetime) -> datetime:
        return self.previous_fire_time(now) + timedelta(days=1)


Trigger = Every | DailyAt
