from dashboard.blueprints.monitoring import bp
from dashboard.blueprints.monitoring.chart import line_chart
from dashboard.htmx import render_page_or_fragment
from dashboard.models import Role
from dashboard.security import role_required
from dashboard.services import monitoring_report
from dashboard.timeutil import format_local

WINDOW_TITLES = {"hour": "最近 1 小时", "day": "最近 24 小时"}


def seconds_text(value: float) -> str:
    return f"{value:g} 秒" if value >= 1 else f"{value * 1000:g} 毫秒"


def percent_text(value: float) -> str:
    return f"{value * 100:g}%"


def charts_for(window: monitoring_report.WindowFigures) -> list:
    fmt = "%H:%M" if window.name == "hour" else "%m-%d %H:%M"
    first = format_local(window.series[0].start, fmt)
    last = format_local(window.series[-1].start, fmt)
    t = window.thresholds
    return [
        line_chart(
            "延迟 p95",
            [p.latency_p95 for p in window.series],
            threshold=t.latency_seconds,
            fmt=seconds_text,
            first_label=first,
            last_label=last,
            floor=1.0,
        ),
        line_chart(
            "错误率",
            [p.error_rate for p in window.series],
            threshold=t.error_rate,
            fmt=percent_text,
            first_label=first,
            last_label=last,
            floor=0.1,
        ),
    ]


@bp.get("/")
@role_required(Role.ADMIN)
def index():
    windows = monitoring_report.monitoring_overview()
    return render_page_or_fragment(
        "monitoring/index.html",
        "monitoring/_panels.html",
        windows=[(w, WINDOW_TITLES[w.name], charts_for(w)) for w in windows],
        thresholds=monitoring_report.THRESHOLDS,
    )
