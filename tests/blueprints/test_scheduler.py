"""The scheduler page: admins only; jobs with schedule, next and last run; pause, resume and run now."""

from __future__ import annotations

from datetime import timedelta

import pytest

from dashboard.extensions import db
from dashboard.models import JobRun, JobState
from dashboard.scheduler import get_scheduler, install, lease, lease_name
from dashboard.scheduler.jobs import JobOutcome, JobResult
from dashboard.timeutil import utcnow
from tests.scheduler._support import BlockingJob, job_runs, stand_in

HTMX = {"HX-Request": "true"}


@pytest.fixture
def admin_client(login_as):
    return login_as("admin")


def _state(job_id: str) -> JobState | None:
    db.session.rollback()
    return db.session.get(JobState, job_id)


@pytest.mark.parametrize("role", ["viewer", "operator"])
@pytest.mark.parametrize(
    "method, url",
    [("get", "/scheduler/"), ("post", "/scheduler/sync_stock/pause"), ("post", "/scheduler/sync_stock/run")],
)
def test_only_admins_may_see_or_use_the_scheduler(login_as, role, method, url):
    client = login_as(role)

    assert getattr(client, method)(url).status_code == 403
    assert _state("sync_stock") is None and job_runs() == []


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get("/scheduler/")

    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_page_lists_each_job_with_its_schedule_and_no_runs_yet(admin_client):
    page = admin_client.get("/scheduler/").get_data(as_text=True)

    assert "库存定时刷新" in page and "每 30 分钟" in page
    assert "商品目录与价格每日刷新" in page and "每天 03:30（北京时间）" in page
    assert "从未运行" in page
    assert "调度器未启用" in page  # off in tests: said plainly, not hidden
    assert 'href="/scheduler/"' in page  # the nav link appears once the blueprint exists


def test_the_page_shows_the_last_run_with_outcome_message_and_sync_run(app, admin_client):
    started = utcnow() - timedelta(minutes=5)
    db.session.add_all(
        [
            JobRun(
                job_id="sync_stock",
                owner="h:1:a",
                started_at=started - timedelta(minutes=30),
                finished_at=started - timedelta(minutes=29),
                outcome="succeeded",
                message="older run",
            ),
            JobRun(
                job_id="sync_stock",
                owner="h:1:b",
                started_at=started,
                finished_at=started + timedelta(seconds=40),
                outcome="partial",
                message="同步 #12：共 10，变更 2，未变 7，失败 1",
                sync_run_id=12,
            ),
        ]
    )
    db.session.commit()

    page = admin_client.get("/scheduler/").get_data(as_text=True)

    row = page.split('id="job-sync_stock"', 1)[1].split("</tr>", 1)[0]
    assert 'data-outcome="partial"' in row and "部分成功" in row and "失败 1" in row
    assert "older run" not in row
    assert "#12" in page and "older run" in page  # both in the history below
    assert 'href="/sync/runs/12"' in page  # the history links the sync run it started


def test_the_page_shows_a_next_run_time_when_the_scheduler_is_on(make_app, login_as):
    app = make_app(SCHEDULER_ENABLED=True)
    scheduler = get_scheduler(app)
    try:
        with app.app_context():
            expected = scheduler.next_run_time("sync_stock")
            from dashboard.services import accounts
            from tests.conftest import PASSWORD

            accounts.create_user("sched-admin", "admin", PASSWORD)
        client = app.test_client()
        client.post("/login", data={"username": "sched-admin", "password": PASSWORD})
        page = client.get("/scheduler/").get_data(as_text=True)
    finally:
        scheduler.shutdown()

    from dashboard.timeutil import format_local

    assert format_local(expected, "%Y-%m-%d %H:%M:%S") in page
    assert "调度器未启用" not in page


def test_an_htmx_request_gets_the_jobs_fragment_and_boosted_navigation_the_page(admin_client):
    fragment = admin_client.get("/scheduler/", headers=HTMX)
    boosted = admin_client.get("/scheduler/", headers={**HTMX, "HX-Boosted": "true"})
    restore = admin_client.get("/scheduler/", headers={**HTMX, "HX-History-Restore-Request": "true"})

    assert fragment.get_data(as_text=True).lstrip().startswith('<section id="jobs"')
    assert "<html" not in fragment.get_data(as_text=True)
    for full in (boosted, restore):
        assert "<html" in full.get_data(as_text=True)
    for response in (fragment, boosted, restore):
        assert "HX-Request" in response.headers["Vary"]


def test_pausing_and_resuming_is_shared_state_and_shown(admin_client):
    paused = admin_client.post("/scheduler/sync_stock/pause", headers=HTMX)

    assert paused.status_code == 200
    body = paused.get_data(as_text=True)
    assert "已暂停「库存定时刷新」" in body
    row = body.split('id="job-sync_stock"', 1)[1].split("</tr>", 1)[0]
    assert "已暂停" in row and ">恢复<" in row
    assert _state("sync_stock").paused is True

    resumed = admin_client.post("/scheduler/sync_stock/resume", headers=HTMX)

    assert "已恢复" in resumed.get_data(as_text=True)
    assert _state("sync_stock").paused is False


def test_a_plain_form_post_redirects_back_with_a_message(admin_client):
    response = admin_client.post("/scheduler/sync_catalogue/pause")

    assert response.status_code == 303 and response.headers["Location"].endswith("/scheduler/")
    assert "已暂停「商品目录与价格每日刷新」" in admin_client.get("/scheduler/").get_data(as_text=True)


def test_posts_without_the_csrf_token_are_refused(admin_client):
    assert admin_client.post("/scheduler/sync_stock/pause", csrf=False).status_code == 400
    assert _state("sync_stock") is None


def test_an_unknown_job_is_404(admin_client):
    assert admin_client.post("/scheduler/nope/pause").status_code == 404
    assert admin_client.post("/scheduler/nope/run").status_code == 404


def test_run_now_starts_the_job_outside_the_request_and_the_page_shows_the_outcome(app, admin_client):
    calls = []

    def job():
        calls.append(1)
        return JobResult(JobOutcome.SUCCEEDED, "stand-in done", 99)

    scheduler = install(app, [stand_in(job, job_id="sync_stock")])

    response = admin_client.post("/scheduler/sync_stock/run", headers=HTMX)

    assert response.status_code == 200
    assert "已开始运行「测试任务」" in response.get_data(as_text=True)
    assert scheduler.join_manual_runs(10)
    [run] = job_runs("sync_stock")
    assert calls == [1] and (run.outcome, run.sync_run_id) == ("succeeded", 99)
    assert run.message == f"由 {admin_client.user.username} 手动运行；stand-in done"
    page = admin_client.get("/scheduler/").get_data(as_text=True)
    assert "stand-in done" in page and 'data-outcome="succeeded"' in page


def test_while_a_run_goes_on_the_table_polls_and_run_now_is_refused_with_409(app, admin_client):
    job = BlockingJob()
    scheduler = install(app, [stand_in(job, job_id="sync_stock")])
    started = admin_client.post("/scheduler/sync_stock/run", headers=HTMX).get_data(as_text=True)
    try:
        assert job.started.wait(10)
        page = admin_client.get("/scheduler/", headers=HTMX).get_data(as_text=True)
        again = admin_client.post("/scheduler/sync_stock/run", headers=HTMX)
    finally:
        job.release.set()
    assert scheduler.join_manual_runs(10)

    for shown in (started, page):  # the answer to "run now" already shows the run going on
        row = shown.split('id="job-sync_stock"', 1)[1].split("</tr>", 1)[0]
        assert 'hx-trigger="every 2s"' in shown and 'data-outcome="running"' in row
    assert again.status_code == 409 and "正在运行，未重复启动" in again.get_data(as_text=True)
    assert job.calls == 1 and len(job_runs("sync_stock")) == 1
    done = admin_client.get("/scheduler/", headers=HTMX).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' not in done  # nothing running: polling stops
    assert lease.holder(lease_name("sync_stock")) is None
