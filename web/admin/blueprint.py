"""The admin blueprint itself; its routes are defined in the modules beside it, which `web.admin` imports."""
from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
