"""Error pages in Chinese, JSON errors under /api/, and htmx-aware CSRF failures."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from dashboard.api_envelope import api_error
from dashboard.htmx import hx_redirect

log = logging.getLogger(__name__)

MESSAGES = {
    400: "请求参数有误",
    401: "请先登录",
    403: "没有权限访问此页面",
    404: "页面不存在",
    405: "不支持的请求方法",
    409: "操作冲突",
    413: "请求内容过大",
    422: "提交的内容有误",
    429: "请求过于频繁，请稍后再试",
    500: "服务器内部错误",
    503: "服务暂不可用",
}


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/health")


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        log.warning("csrf rejected", extra={"path": request.path, "reason": error.description})
        if _wants_json():
            return api_error("csrf_failed", "CSRF 校验失败，请刷新页面后重试", 400)
        if request.headers.get("HX-Request") == "true":
            response = app.make_response(("", 400))
            return hx_redirect(response, url_for("auth.login"))
        return render_template(
            "errors/error.html", code=400, message="表单已过期或无效，请刷新页面后重试"
        ), 400

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        code = error.code or 500
        message = MESSAGES.get(code, error.name)
        if _wants_json():
            return api_error(error.name.lower().replace(" ", "_"), message, code)
        return render_template("errors/error.html", code=code, message=message), code

    @app.errorhandler(Exception)
    def _unhandled(error: Exception):
        log.exception("unhandled error", extra={"path": request.path})
        if _wants_json():
            return api_error("internal_error", MESSAGES[500], 500)
        return render_template("errors/error.html", code=500, message=MESSAGES[500]), 500
