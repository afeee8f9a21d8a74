"""Staff inbox: the open tasks for a person's roles, claiming them, and doing them through their forms."""
from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/inbox")

from web.inbox import assignment, letters, notes, payments, views  # noqa: E402,F401  (register the routes)
