"""The catalog blueprint itself; its routes are defined in `web.catalog.views`, which `web.catalog` imports."""
from flask import Blueprint

bp = Blueprint("catalog", __name__)
