"""Administration: every instance by status, its tasks, incidents and audit trail, and repairs; staff
accounts and their roles (`web.admin.users`)."""
from web.admin.blueprint import bp
from web.admin import dashboard, settings, starting, users, views  # noqa: F401  (their routes)
from web.admin import settings_calendar, settings_fees, settings_letters, settings_mail, settings_offices  # noqa: F401
from web.admin import settings_cash, settings_changes, settings_open_data, settings_privacy  # noqa: F401
from web.admin import open_data_catalog  # noqa: F401  (the catalog's vetting and withdrawals, issue 16)
from web.admin import open_data_plan  # noqa: F401  (the departments' open data plans for the Open Data Officer)
from web.admin import repair  # noqa: F401  (migrate, skip, move back: issue 18)

__all__ = ["bp"]
