"""Administration: every instance by status, its tasks, incidents and audit trail, and repairs; staff
accounts and their roles (`web.admin.users`)."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from web.admin import dashboard, settings, users, views  # noqa: E402,F401  (registers the routes)
