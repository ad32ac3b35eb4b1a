"""Command-line tools: `flask users …`, `flask create-admin`, `flask demo-data`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from dashboard.services import accounts

users_cli = AppGroup("users", help="Manage dashboard accounts.")


def _fail(error: Exception) -> None:
    raise click.ClickException(str(error))


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role", type=click.Choice(["viewer", "operator", "admin"]), default="viewer", show_default=True
)
@click.option("--password", default=None, help="Prompted for (hidden) when left out.")
def create_user(username: str, role: str, password: str | None) -> None:
    """Create an account."""
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        accounts.create_user(username, role, password)
    except accounts.AccountError as error:
        _fail(error)
    click.echo(f"created {username} ({role})")


@users_cli.command("set-password")
@click.argument("username")
@click.option("--password", default=None, help="Prompted for (hidden) when left out.")
def set_password(username: str, password: str | None) -> None:
    """Set a new password."""
    if password is None:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    try:
        accounts.set_password(username, password)
    except accounts.AccountError as error:
        _fail(error)
    click.echo(f"password changed for {username}")


@users_cli.command("set-role")
@click.argument("username")
@click.argument("role", type=click.Choice(["viewer", "operator", "admin"]))
def set_role(username: str, role: str) -> None:
    """Change an account's role."""
    try:
        accounts.set_role(username, role)
    except accounts.AccountError as error:
        _fail(error)
    click.echo(f"{username} is now {role}")


@users_cli.command("deactivate")
@click.argument("username")
def deactivate(username: str) -> None:
    """Stop an account from signing in."""
    try:
        accounts.deactivate(username)
    except accounts.AccountError as error:
        _fail(error)
    click.echo(f"{username} deactivated")


@click.command("create-admin")
def create_admin() -> None:
    """Create the `admin` account if no admin exists (password from ADMIN_PASSWORD, else generated once)."""
    from flask import current_app

    try:
        created = accounts.ensure_admin(current_app.config.get("ADMIN_PASSWORD"))
    except accounts.AccountError as error:
        _fail(error)
    if created is None:
        click.echo("an admin account already exists")
    elif created.generated:
        # Shown once on the operator's own terminal; it is not logged.
        click.echo(f"created admin account 'admin' with one-time password: {created.password}")
        click.echo("change it with: flask users set-password admin")
    else:
        click.echo("created admin account 'admin' with the password from ADMIN_PASSWORD")


def init_app(app: Flask) -> None:
    from dashboard.cli_sync import demo_data, sync_haier_products

    app.cli.add_command(users_cli)
    app.cli.add_command(create_admin)
    app.cli.add_command(sync_haier_products)
    app.cli.add_command(demo_data)
