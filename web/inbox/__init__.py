"""Staff inbox: the open tasks for a person's roles, claiming them, and doing them through their forms."""
from web.inbox.blueprint import bp
# Imported for their routes.
from web.inbox import (assignment, correspondence, dataset_report, handouts, intake, letters, notes,  # noqa: F401
                       open_data, payments, privacy_intake, views)

__all__ = ["bp"]
