"""Demo sign-ins for trying Clerkflow out: one account per kind of staff.

Accounts are created when missing and never changed afterwards, so a password or role an
administrator changed stays changed. The password comes from `CLERKFLOW_DEMO_PASSWORD`.
"""
from __future__ import annotations

import os

import click
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from city.rules.roles import CITY_ATTORNEY, CITY_CLERK, CLERK, CUSTODIAN, custodian_role
from city.defaults import DEFAULT_OFFICE_KEYS
from web.access import ADMINISTRATOR, ANALYST
from web.models import StaffAccount, db

DEFAULT_DEMO_PASSWORD = "clerkflow-demo"

DEMO_ACCOUNTS = (
    ("clerk", "Casey Clerk", (CLERK, CITY_CLERK)),
    # One demo custodian for every office, so a demo request is visible whichever office holds it.
    ("custodian", "Morgan Custodian", (CUSTODIAN, *(custodian_role(office) for office in DEFAULT_OFFICE_KEYS))),
    ("attorney", "Avery Attorney", (CITY_ATTORNEY,)),
    ("analyst", "Robin Analyst", (ANALYST,)),
    ("admin", "Alex Administrator", (ADMINISTRATOR,)),
)


def ensure_demo_accounts(session: Session) -> list[tuple[str, tuple[str, ...]]]:
    """Add the missing demo accounts to `session` (the caller commits); returns every (username, roles)."""
    password = os.environ.get("CLERKFLOW_DEMO_PASSWORD") or DEFAULT_DEMO_PASSWORD
    existing = {account.username: account for account in session.scalars(
        select(StaffAccount).where(StaffAccount.username.in_([username for username, _, _ in DEMO_ACCOUNTS])))}
    listed = []
    for username, display_name, roles in DEMO_ACCOUNTS:
        account = existing.get(username)
        if account is None:
            account = StaffAccount(username=username, display_name=display_name, active=True)
            account.set_roles(roles)
            account.set_password(password)
            session.add(account)
        listed.append((username, tuple(sorted(account.role_set))))
    session.flush()
    return listed


def register_demo_command(app: Flask) -> None:
    @app.cli.command("demo-accounts")
    def demo_accounts():
        """Create the demo staff accounts that are missing (the database must be migrated)."""
        listed = ensure_demo_accounts(db.session)
        db.session.commit()
        password_source = "CLERKFLOW_DEMO_PASSWORD" if os.environ.get("CLERKFLOW_DEMO_PASSWORD") \
            else f'the default "{DEFAULT_DEMO_PASSWORD}"'
        for username, roles in listed:
            click.echo(f"{username:<10} {', '.join(roles)}")
        click.echo(f"Password for new accounts: {password_source}.")
