"""`flask api create-token USERNAME NAME`, `flask api tokens USERNAME`, `flask api revoke-token ID`."""
from __future__ import annotations

import click
from sqlalchemy import select

from web.api.blueprint import bp
from web.models import StaffAccount, db, normalize_username
from web.models_api import ApiToken, create_api_token, revoke_api_token

bp.cli.short_help = "API tokens of staff accounts (docs/api.md)."


def _account(username: str) -> StaffAccount:
    account = db.session.scalars(select(StaffAccount).where(
        StaffAccount.username == normalize_username(username))).first()
    if account is None:
        raise click.ClickException(f'There is no staff account "{username}".')
    return account


@bp.cli.command("create-token")
@click.argument("username")
@click.argument("name")
def create_token(username: str, name: str) -> None:
    """Make an API token for USERNAME, named NAME (what uses it); the token is printed once."""
    account = _account(username)
    if not account.active:
        raise click.ClickException(f'The account "{account.username}" is deactivated; its tokens would open nothing.')
    try:
        raw_token = create_api_token(account, name)
    except ValueError as problem:
        raise click.ClickException(str(problem)) from None
    click.echo(raw_token)
    click.echo(f"This is the only time the token is shown. It acts with {account.username}'s roles: "
               f"{account.roles or '(none)'}.", err=True)


@bp.cli.command("tokens")
@click.argument("username")
def list_tokens(username: str) -> None:
    """List USERNAME's tokens (never the tokens themselves)."""
    account = _account(username)
    for token in db.session.scalars(select(ApiToken).where(ApiToken.account_id == account.id).order_by(ApiToken.id)):
        state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "active"
        used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
        click.echo(f"{token.id:>5}  {token.name:<30} {state:<24} last used {used}")


@bp.cli.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    """Revoke the token with TOKEN_ID for good."""
    token = revoke_api_token(token_id)
    if token is None:
        raise click.ClickException(f"There is no API token {token_id}.")
    click.echo(f'Token {token.id} ("{token.name}") is revoked.')
