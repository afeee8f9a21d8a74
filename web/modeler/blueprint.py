"""The modeler blueprint itself; its routes are defined in the modules beside it, which `web.modeler` imports."""
from flask import Blueprint

bp = Blueprint("modeler", __name__, url_prefix="/modeler")
