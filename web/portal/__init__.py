"""The public portal (issue 5): how to ask for records, the request form, and each requester's
private status page. No password: a request's only key is the token in its status link."""
from flask import Blueprint

bp = Blueprint("portal", __name__)

from web.portal import views  # noqa: E402,F401  (registers the routes)
