"""Clerkflow's engine: deploys BPMN diagrams and runs their instances durably.

This package knows nothing of HTTP. `web/`, the command line, the scheduler and the tests
use only what is imported here.
"""
from engine import clock
from engine.api import ProcessEngine
from engine.db import Database
from engine.deploy import DiagramSource, Problem, source_with_forms
from engine.errors import (ClerkflowError, Conflict, DeployRefused, FormInvalid, InvalidState,
                           MessageNotDeliverable, NotAllowed, NotFound, text_problem)
from engine.forms import (field_problems, form_validator, on_the_form, schema_problem, validate_submission,
                          with_task_data_options)
from engine.helpers import Helper, describe as describe_helpers
from engine.message_rules import AnyMessage, MessageRules, Sender
from engine.nesting import json_too_deep
from engine.operators import StepContext
from engine.parsing import as_utf8, hardened_xml
from engine.queries import INSTANCE_STATUSES, TASK_STATUSES
from engine.spiffarena import deploy_imported, export_version, source_from_zip
from engine.start_needs import StartNeeds, missing_variables
from engine.start_rules import AnyStart, StartRules
from engine.views import (ENDED_STATUSES, AuditView, DeployResult, IncidentView, InstanceView, SubscriptionView, TaskView, TimerView,
                          VariableChanges, VersionView)

__all__ = [
    "clock", "ProcessEngine", "Database", "DiagramSource", "Problem", "INSTANCE_STATUSES", "TASK_STATUSES",
    "ClerkflowError", "Conflict", "DeployRefused", "FormInvalid", "InvalidState", "MessageNotDeliverable",
    "NotAllowed", "NotFound", "field_problems", "form_validator", "on_the_form", "schema_problem",
    "validate_submission", "with_task_data_options",
    "hardened_xml", "as_utf8", "source_with_forms", "Helper", "describe_helpers", "AnyMessage", "MessageRules",
    "Sender", "StartNeeds", "missing_variables", "AnyStart", "StartRules", "text_problem", "json_too_deep",
    "deploy_imported", "export_version", "source_from_zip", "StepContext",
    "AuditView", "DeployResult", "IncidentView", "InstanceView", "SubscriptionView", "TaskView", "TimerView",
    "VersionView", "VariableChanges", "ENDED_STATUSES",
]
