"""Staff inbox: the open tasks for a person's roles, claiming them, and doing them through their forms."""
from web.inbox.blueprint import bp
from web.inbox import assignment, correspondence, intake, letters, notes, payments, views  # noqa: F401  (their routes)

__all__ = ["bp"]
