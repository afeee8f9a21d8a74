"""Administration: every instance by status, its tasks, incidents and audit trail, and repairs; staff
accounts and their roles (`web.admin.users`)."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from web.admin import dashboard, settings, starting, users, views  # noqa: E402,F401  (registers the routes)
from web.admin import settings_calendar, settings_fees, settings_letters, settings_mail, settings_offices  # noqa: E402,F401,I001
from web.admin import settings_cash, settings_changes  # noqa: E402,F401
