"""The portal blueprint itself; its routes are defined in the modules beside it, which `web.portal` imports."""
from flask import Blueprint

bp = Blueprint("portal", __name__)
