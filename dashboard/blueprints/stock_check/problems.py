"""Haier failures in words staff can act on; shared by the stock-check and Haier info pages."""

from __future__ import annotations

from dataclasses import dataclass

from dashboard.haier.errors import HaierConfigError, HaierError
from dashboard.services.stock_check import error_code

_TEXTS = {
    "haier_unavailable": ("海尔接口暂时无法访问", "请稍后点击“重新查询”再试；如果一直失败，请联系管理员。"),
    "haier_auth_failed": ("海尔接口认证失败", "这不是您能解决的问题：请告诉管理员检查海尔账号配置。"),
    "haier_business_error": ("海尔拒绝了这次查询", "请确认该商品在这个地区可采，或换一个地址再查。"),
    "haier_protocol_error": ("海尔接口返回了无法识别的数据", "请稍后再试；如果反复出现，请联系管理员。"),
    "haier_config_error": ("海尔接口配置不完整", "请告诉管理员补全海尔接口的配置。"),
}
_DEFAULT = ("海尔接口查询失败", "请稍后再试；如果反复出现，请联系管理员。")


@dataclass(frozen=True)
class HaierProblem:
    code: str
    title: str
    action: str
    detail: str | None = None


def explain_haier_error(code: str | None, detail: str | None = None, **actions: str) -> HaierProblem:
    """`actions` overrides the advice per code for a page (e.g. haier_business_error="请检查订单号")."""
    title, action = _TEXTS.get(code or "", _DEFAULT)
    return HaierProblem(code or "haier_error", title, actions.get(code or "", action), detail)


def problem_for(exc: HaierError, **actions: str) -> HaierProblem | None:
    """The problem to show for a Haier failure a page can explain, or None (let it propagate)."""
    code = error_code(exc)
    if code is None:
        return None
    # A config error's message names the missing setting, never a secret value.
    detail = exc.setting if isinstance(exc, HaierConfigError) else exc.message
    return explain_haier_error(code, detail, **actions)
