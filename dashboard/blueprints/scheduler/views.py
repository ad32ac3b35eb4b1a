"""The scheduler page (admins): each job's schedule, next and last run; pause, resume and run now."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user

from dashboard.blueprints.scheduler import bp
from dashboard.htmx import is_htmx_partial_request, render_page_or_fragment
from dashboard.models import Role
from dashboard.scheduler import JobBusy, UnknownJob, get_scheduler, history
from dashboard.scheduler.jobs import JobOutcome
from dashboard.scheduler.overview import job_overviews
from dashboard.security import role_required

RECENT_RUNS = 20


def _render(message: str | None = None, category: str = "success", status: int = 200):
    scheduler = get_scheduler()
    jobs = job_overviews(scheduler)
    return render_page_or_fragment(
        "scheduler/index.html",
        "scheduler/_jobs.html",
        status=status,
        jobs=jobs,
        recent_runs=history.recent_runs(RECENT_RUNS),
        job_names={job.id: job.name for job in jobs},
        scheduler_enabled=scheduler.app.config.get("SCHEDULER_ENABLED", False),
        scheduler_running=scheduler.running,
        # Keep the table refreshing while something runs, so a run's outcome appears without a reload.
        polling=any(job.running for job in jobs),
        message=message,
        category=category,
        outcome_labels={o.value: o.label for o in JobOutcome},
    )


def _answer(message: str, category: str = "success", status: int = 200):
    """htmx: the refreshed jobs fragment with the message; a plain form post: back to the page (303)."""
    if is_htmx_partial_request():
        return _render(message, category, status)
    flash(message, category)
    return redirect(url_for("scheduler.index"), 303)


def _known(job_id: str) -> str:
    if job_id not in get_scheduler().jobs:
        abort(404)
    return get_scheduler().jobs[job_id].name


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    return _render()


@bp.post("/<job_id>/pause", endpoint="pause", defaults={"paused": True})
@bp.post("/<job_id>/resume", endpoint="resume", defaults={"paused": False})
@role_required(Role.ADMIN)
def set_paused(job_id: str, paused: bool):
    name = _known(job_id)
    history.set_paused(job_id, paused)
    return _answer(f"已暂停「{name}」：到点时所有进程都不会运行它。" if paused else f"已恢复「{name}」。")


@bp.post("/<job_id>/run")
@role_required(Role.ADMIN)
def run_now(job_id: str):
    name = _known(job_id)
    try:
        run_id = get_scheduler().run_now(job_id, requested_by=current_user.username)
    except UnknownJob:
        abort(404)
    except JobBusy:
        return _answer(f"「{name}」正在运行，未重复启动。", "warning", 409)
    return _answer(f"已开始运行「{name}」（记录 #{run_id}），结果会显示在下方。")
