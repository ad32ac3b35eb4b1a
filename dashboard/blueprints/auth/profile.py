"""The signed-in user's own account page: personal API tokens (create → shown once, list, revoke)."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from dashboard.blueprints.auth import bp
from dashboard.htmx import is_htmx_partial_request, render_page_or_fragment
from dashboard.models import Role
from dashboard.security import role_required
from dashboard.services import api_tokens


class TokenForm(FlaskForm):
    name = StringField(
        "令牌名称",
        validators=[DataRequired("请填写令牌名称"), Length(max=api_tokens.MAX_NAME_LENGTH)],
        description="例如：仓库扫码枪、手机应用",
    )


def _render(form: TokenForm, status: int = 200, created: api_tokens.CreatedToken | None = None):
    response = render_page_or_fragment(
        "auth/profile.html",
        "auth/_tokens.html",
        status=status,
        form=form,
        tokens=api_tokens.list_tokens(current_user),
        created=created,
    )
    # The page may carry a freshly created token: no cache, no back-button copy of it.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/profile/")
@role_required(Role.VIEWER)
def profile():
    return _render(TokenForm(formdata=None))


@bp.post("/profile/tokens/")
@role_required(Role.VIEWER)
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        return _render(form, 422)
    try:
        created = api_tokens.create_token(current_user, form.name.data)
    except api_tokens.ApiTokenError as refused:
        form.name.errors.append(refused.message)
        return _render(form, 422)
    # Rendered, not redirected: the plain token exists only in this response.
    return _render(TokenForm(formdata=None), 201, created=created)


@bp.post("/profile/tokens/<int:token_id>/revoke")
@role_required(Role.VIEWER)
def revoke_token(token_id: int):
    try:
        token = api_tokens.revoke_token(current_user, token_id)
    except api_tokens.TokenNotFound as missing:
        if is_htmx_partial_request():
            form = TokenForm(formdata=None)
            form.form_errors.append(missing.message)
            return _render(form, 404)
        flash(missing.message, "error")
        return redirect(url_for("auth.profile"), 303)
    if is_htmx_partial_request():
        return _render(TokenForm(formdata=None))
    flash(f"已撤销令牌“{token.name}”。", "success")
    return redirect(url_for("auth.profile"), 303)
