"""All models, importable from one place (Alembic autogenerate sees them all)."""

from dashboard.models.inventory import (
    AppendOnlyViolation,
    ChangeType,
    InventoryLog,
    ReservationStatus,
    Source,
    StockReservation,
)
from dashboard.models.monitoring import HaierCallBucket
from dashboard.models.product import Product, RegionalStock
from dashboard.models.sync import (
    JobRun,
    JobState,
    SchedulerLease,
    SyncKind,
    SyncRun,
    SyncStatus,
    SyncTrigger,
)
from dashboard.models.user import ApiToken, Role, User

__all__ = [
    "ApiToken",
    "AppendOnlyViolation",
    "ChangeType",
    "HaierCallBucket",
    "InventoryLog",
    "JobRun",
    "JobState",
    "Product",
    "RegionalStock",
    "ReservationStatus",
    "Role",
    "SchedulerLease",
    "Source",
    "StockReservation",
    "SyncKind",
    "SyncRun",
    "SyncStatus",
    "SyncTrigger",
    "User",
]
