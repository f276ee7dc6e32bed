"""`lcnc user ...`: give a production install its first user (and later ones) without local mode."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from builder.cli import app

user_app = typer.Typer(help="Users of the platform (production installs log in; local mode has one user).\n\n"
                            "Example: `lcnc user create --email admin@example.com --workspace Acme`",
                       no_args_is_help=True, rich_markup_mode="markdown")
app.add_typer(user_app, name="user")


@user_app.command("create")
def create(
    email: Annotated[str, typer.Option(help="Login email.")],
    workspace: Annotated[str, typer.Option(help="Workspace id or name; created when none has that name.")],
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="LCNC_USER_PASSWORD",
                                          help="Prompted when omitted (or LCNC_USER_PASSWORD).")],
    role: Annotated[str, typer.Option(help="owner, editor or viewer.")] = "owner",
    display_name: Annotated[str, typer.Option(help="Name shown in the editor.")] = "",
) -> None:
    """Create a user with a password and make them a member of a workspace (updates an existing user's
    password and role). Applies the database migrations first.

    Example: `lcnc user create --email admin@example.com --workspace "Acme"`
    """
    from builder.auth.users import create_user
    from builder.db.engine import make_engine, make_sessionmaker
    from builder.db.migrate import upgrade_database
    from builder.startup import load_settings

    settings = load_settings()

    async def go() -> None:
        engine = make_engine(settings)
        try:
            async with make_sessionmaker(engine)() as session:
                done = await create_user(session, email=email, password=password, workspace=workspace, role=role,
                                         display_name=display_name)
        finally:
            await engine.dispose()
        what = "created" if done.created_user else "updated"
        where = "new workspace" if done.created_workspace else "workspace"
        typer.echo(f"user {email.strip().lower()} {what}: {done.role} of {where} {done.workspace_id}")

    upgrade_database(settings)
    try:
        asyncio.run(go())
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
