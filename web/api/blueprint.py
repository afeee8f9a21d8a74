"""The api blueprint itself; its routes are defined in the modules beside it, which `web.api` imports."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api")
