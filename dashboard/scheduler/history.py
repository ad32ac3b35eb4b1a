"""Job history (JobRun) and the shared per-job switches (JobState): the rows every process reads and writes.

Writes use their own short transactions (BEGIN IMMEDIATE on SQLite) so a job's own session, and whatever the
sync engine leaves in it, never holds them up or rolls them back.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from dashboard.extensions import db
from dashboard.models import JobRun, JobState
from dashboard.scheduler.jobs import JobOutcome, JobResult
from dashboard.scheduler.lease import write_transaction
from dashboard.timeutil import utcnow

ABANDONED_MESSAGE = "运行中断：进程停止，租约已过期"
MESSAGE_LENGTH = 500


def start_run(job_id: str, owner: str, started_at: datetime, message: str | None = None) -> int:
    """Record a run as started; call only while holding the job's lease.

    Runs of the job still marked running by another owner are closed as failed: their owner's lease lapsed
    (or we could not hold it now), so that process died mid-run.
    """
    with write_transaction() as conn:
        conn.execute(
            update(JobRun)
            .where(JobRun.job_id == job_id, JobRun.outcome == JobOutcome.RUNNING.value, JobRun.owner != owner)
            .values(outcome=JobOutcome.FAILED.value, finished_at=started_at, message=ABANDONED_MESSAGE)
        )
        result = conn.execute(
            insert(JobRun).values(
                job_id=job_id,
                owner=owner,
                started_at=started_at,
                outcome=JobOutcome.RUNNING.value,
                message=message,
            )
        )
        return int(result.inserted_primary_key[0])


def finish_run(run_id: int, result: JobResult, finished_at: datetime, message: str | None) -> None:
    with write_transaction() as conn:
        conn.execute(
            update(JobRun)
            .where(JobRun.id == run_id)
            .values(
                outcome=JobOutcome(result.outcome).value,
                finished_at=finished_at,
                message=message[:MESSAGE_LENGTH] if message else None,
                sync_run_id=result.sync_run_id,
            )
        )


def ran_since(job_id: str, moment: datetime) -> bool:
    """Whether a run of the job started at or after `moment` (the slot is served already)."""
    with db.engine.connect() as conn:
        found = conn.execute(
            select(JobRun.id).where(JobRun.job_id == job_id, JobRun.started_at >= moment).limit(1)
        ).first()
    return found is not None


def is_paused(job_id: str) -> bool:
    with db.engine.connect() as conn:
        paused = conn.execute(select(JobState.paused).where(JobState.job_id == job_id)).scalar()
    return bool(paused)


def _upsert_state(job_id: str, now: datetime, **values) -> None:
    # Two admins clicking at once may both find no row; the loser of the INSERT updates the winner's row.
    for _attempt in range(2):
        try:
            with write_transaction() as conn:
                updated = conn.execute(
                    update(JobState).where(JobState.job_id == job_id).values(updated_at=now, **values)
                ).rowcount
                if updated != 1:
                    conn.execute(
                        insert(JobState).values(job_id=job_id, updated_at=now, **{"paused": False, **values})
                    )
            return
        except IntegrityError:
            continue
    raise RuntimeError(f"could not record the state of job {job_id}")


def end_session_snapshot() -> None:
    """Let the caller's session see what was just written on another connection.

    On SQLite (WAL) a session's transaction keeps reading the snapshot it opened with (in a request: when
    the user was loaded), so without this the page rendered after a change would show the old state. It
    commits rather than rolls back so nothing the caller had pending is silently dropped.
    """
    db.session.commit()


def set_paused(job_id: str, paused: bool, *, now: datetime | None = None) -> None:
    """Pause or resume a job for every process; it is checked each time the job fires."""
    _upsert_state(job_id, now or utcnow(), paused=paused)
    end_session_snapshot()


def note_run_requested(job_id: str, now: datetime) -> None:
    _upsert_state(job_id, now, run_requested_at=now)


def states(job_ids: list[str]) -> dict[str, JobState]:
    rows = db.session.execute(select(JobState).where(JobState.job_id.in_(job_ids))).scalars()
    return {state.job_id: state for state in rows}


def last_run(job_id: str) -> JobRun | None:
    return db.session.execute(
        select(JobRun)
        .where(JobRun.job_id == job_id)
        .order_by(JobRun.started_at.desc(), JobRun.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def recent_runs(limit: int = 20) -> list[JobRun]:
    return list(
        db.session.execute(
            select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
        ).scalars()
    )
