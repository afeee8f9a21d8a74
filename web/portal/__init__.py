"""The public portal (issue 5): how to ask for records, the request form, and each requester's
private status page. No password: a request's only key is the token in its status link."""
from web.portal.blueprint import bp
from web.portal import privacy, requester, views  # noqa: F401  (their routes)

__all__ = ["bp"]
