"""The inbox blueprint itself; its routes are defined in the modules beside it, which `web.inbox` imports."""
from flask import Blueprint

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
