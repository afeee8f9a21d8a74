"""The connector blueprint itself; its routes are defined in `web.connector.views`."""
from flask import Blueprint

from web.paths import CONNECTOR_PREFIX

bp = Blueprint("connector", __name__, url_prefix=CONNECTOR_PREFIX)
