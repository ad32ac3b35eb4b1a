from sqlalchemy import select

from dashboard.extensions import db
from dashboard.models import User


def run(app, *args, input=None):
    return app.test_cli_runner().invoke(args=list(args), input=input)


def test_users_create_with_password_option(app):
    result = run(app, "users", "create", "zhang.san", "--role", "operator", "--password", "a-long-password")
    assert result.exit_code == 0, result.output
    user = db.session.execute(select(User).where(User.username == "zhang.san")).scalar_one()
    assert user.role == "operator" and user.check_password("a-long-password")


def test_users_create_prompts_for_a_hidden_password(app):
    result = run(app, "users", "create", "li.si", input="prompted-password\nprompted-password\n")
    assert result.exit_code == 0, result.output
    assert "prompted-password" not in result.output
    user = db.session.execute(select(User).where(User.username == "li.si")).scalar_one()
    assert user.role == "viewer" and user.check_password("prompted-password")


def test_users_create_refuses_short_passwords_and_duplicates(app):
    assert run(app, "users", "create", "wang", "--password", "short").exit_code != 0
    assert run(app, "users", "create", "wang", "--password", "long-enough-1").exit_code == 0
    duplicate = run(app, "users", "create", "wang", "--password", "long-enough-1")
    assert duplicate.exit_code != 0 and "already exists" in duplicate.output


def test_set_password_set_role_and_deactivate(app, make_user):
    make_user("zhao", "viewer")
    assert run(app, "users", "set-password", "zhao", "--password", "brand-new-password").exit_code == 0
    assert run(app, "users", "set-role", "zhao", "admin").exit_code == 0
    assert run(app, "users", "deactivate", "zhao").exit_code == 0
    db.session.expire_all()
    user = db.session.execute(select(User).where(User.username == "zhao")).scalar_one()
    assert user.check_password("brand-new-password") and user.role == "admin" and not user.active


def test_commands_on_unknown_user_fail_with_a_message(app):
    result = run(app, "users", "set-role", "ghost", "admin")
    assert result.exit_code != 0 and "no such user" in result.output


def test_create_admin_generates_a_one_time_password_once(app):
    first = run(app, "create-admin")
    assert first.exit_code == 0 and "one-time password" in first.output
    password = first.output.split("one-time password: ")[1].split()[0]
    admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
    assert admin.role == "admin" and admin.check_password(password)
    second = run(app, "create-admin")
    assert "already exists" in second.output


def test_create_admin_takes_the_password_from_the_environment(make_app):
    app = make_app(ADMIN_PASSWORD="from-the-environment")
    with app.app_context():
        result = run(app, "create-admin")
        assert "ADMIN_PASSWORD" in result.output and "from-the-environment" not in result.output
        admin = db.session.execute(select(User).where(User.username == "admin")).scalar_one()
        assert admin.check_password("from-the-environment")
