"""Staff accounts in the settings change log: who created an account, changed its roles, name or e-mail
address, set a new password, deactivated or reactivated it, and when. The row goes into the same
`city_data_change` table as the city's settings (kind "staff_account", the username as subject), in
the same transaction as the change itself (`city.change_log.record_change`). A password is never recorded, only that it was set.
"""
from __future__ import annotations

from typing import Any

from engine import clock
from city.change_log import record_change
from web.current import signed_in_staff
from web.models import StaffAccount, db

STAFF_ACCOUNT = "staff_account"


def account_facts(account: StaffAccount) -> dict[str, Any]:
    """What the log keeps of an account: roles, name, whether it may sign in, and whether it has an address."""
    return {"display_name": account.display_name, "roles": sorted(account.role_set), "active": bool(account.active),
            "has_email": bool(account.email), "notify": account.notify}


def record_account_change(account: StaffAccount, action: str, before: dict[str, Any] | None, *,
                          email_changed: bool = False) -> None:
    """Add the log row for `action` (added, changed, password, deactivated, reactivated) to the session;
    a "changed" that changed nothing is not logged. The address itself is not kept, only that it changed."""
    after = account_facts(account)
    if email_changed:
        after["email_changed"] = True
    elif action == "changed" and before == after:
        return
    record_change(db.session, at=clock.now(), actor=signed_in_staff().username, kind=STAFF_ACCOUNT,
                  subject_key=account.username, action=action, before=before, after=after)
