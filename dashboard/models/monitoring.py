"""A persisted rolling window of Haier call outcomes, one row per minute, endpoint and outcome.

Kept in the database so the monitoring page survives restarts and agrees across workers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from dashboard.extensions import db
from dashboard.models.types import UTCDateTime


class HaierCallBucket(db.Model):
    __tablename__ = "haier_call_buckets"
    __table_args__ = (UniqueConstraint("minute", "endpoint", "outcome"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    minute: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    endpoint: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(default=0)
    latency_sum: Mapped[float] = mapped_column(default=0.0)
    # Counts per latency bucket (upper bounds in seconds, see services.monitoring), for p50/p95.
    latency_histogram: Mapped[dict] = mapped_column(JSON, default=dict)
