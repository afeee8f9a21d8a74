"""The modeler (analysts and administrators): open a deployed diagram in bpmn-js, edit, validate, deploy a
new version, compare versions, download; view and edit forms with a live preview."""
from flask import Blueprint

bp = Blueprint("modeler", __name__, url_prefix="/modeler")

from web.modeler import new_process, views  # noqa: E402,F401  (registers the routes)
