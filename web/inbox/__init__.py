"""Staff inbox: the open tasks for a person's roles, claiming them, and doing them through their forms."""
from web.inbox.blueprint import bp
# Imported for their routes.
from web.inbox import (assignment, compliance_reports, correspondence, dataset_report, handouts, intake,  # noqa: F401
                       letters, notes, open_data, open_data_plan, payments, privacy_appeal, privacy_intake,
                       views)

__all__ = ["bp"]
