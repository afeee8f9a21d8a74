"""The connector's routes: list the offered operators, run one, and answer every failure in the proxy's shape.

Answers follow SpiffArena's connector proxy (command response version 2): a result is
`{"command_response_version": 2, "command_response": {"body": <the operator's JSON result>, "mimetype":
"application/json", "http_status": 200}, "error": null, "spiff__logs": []}`; a failure is
`{"command_response": {}, "error": {"error_code": "...", "message": "..."}}` with its HTTP status, which
SpiffArena raises as a service task error (catchable by an error boundary event named after `error_code`).
Nothing here logs a call's arguments or the task data SpiffArena sends along: they may name requesters.
"""
from __future__ import annotations

import logging
import uuid

from flask import Response, g, jsonify, request
from werkzeug.exceptions import HTTPException

from city.rules import OperatorArgumentError, OperatorError
from engine import StepContext, clock
from web.access import CONNECTOR_ROLES
from web.auth import CONNECTOR_TOKEN_NEEDED, public, role_required
from web.connector import commands
from web.connector.blueprint import bp
from web.current import process_engine

log = logging.getLogger(__name__)

# A call carries a handful of parameters; SpiffArena adds the task's data, which stays small for our diagrams.
MAX_CALL_BYTES = 256 * 1024


class ConnectorRefusal(Exception):
    def __init__(self, status: int, error_code: str, message: str, **extra):
        super().__init__(message)
        self.status, self.error_code, self.message, self.extra = status, error_code, message, extra


@bp.before_request
def tokens_only():
    """A token, never a browser's session, and a call of reasonable size."""
    if g.get("staff") is not None and not g.get("bearer_token_sent"):
        raise ConnectorRefusal(401, "Unauthorized", CONNECTOR_TOKEN_NEEDED)
    # A body sent without its length (chunked) is read no further than the limit: reaching it is too large.
    request.max_content_length = MAX_CALL_BYTES
    if (request.content_length or 0) >= MAX_CALL_BYTES or len(request.get_data()) >= MAX_CALL_BYTES:
        raise ConnectorRefusal(413, "TooLarge", f"A call must carry less than {MAX_CALL_BYTES // 1024} KiB.")


@bp.get("/v1/liveness")
@public
def liveness():
    return jsonify(ok=True)


@bp.get("/v1/commands")
@role_required(*CONNECTOR_ROLES)
def list_commands():
    return jsonify([commands.as_command(operator)
                    for operator in commands.offered(process_engine().operators.describe())])


@bp.get("/v1/withheld")
@role_required(*CONNECTOR_ROLES)
def list_withheld():
    """The operators not offered, each with the reason (not part of SpiffArena's protocol: for the analyst)."""
    return jsonify([commands.as_withheld(operator)
                    for operator in commands.withheld(process_engine().operators.describe())])


@bp.post(f"/v1/do/{commands.PLUGIN}/<operator_name>")
@role_required(*CONNECTOR_ROLES)
def do_command(operator_name: str):
    operators = process_engine().operators
    described = {operator["name"]: operator for operator in operators.describe()}
    operator = described.get(operator_name)
    if operator is None:
        raise ConnectorRefusal(404, "command_not_found", f'Clerkflow has no operator "{operator_name}".')
    if operator["host"]:
        raise ConnectorRefusal(403, "OperatorNotOffered", f'"{operator_name}" {commands.WITHHELD_REASON}.')
    body = request.get_json(silent=True) if request.get_data() else {}
    if not isinstance(body, dict):
        raise ConnectorRefusal(400, "BadRequest", "Send the operator's parameters as one JSON object.")
    arguments = commands.operator_arguments(body)
    try:
        result = operators.call(operator_name, arguments, StepContext(connection=None, now=clock.now()))
    except OperatorArgumentError as error:
        raise ConnectorRefusal(400, "OperatorArgumentError", str(error), parameter=error.parameter) from None
    except (OperatorError, ValueError, LookupError) as error:
        # The rule itself refused the call: its message says why.
        raise ConnectorRefusal(422, "OperatorRefused", str(error)) from None
    return jsonify(command_response_version=2, error=None, spiff__logs=[],
                   command_response={"body": result, "mimetype": "application/json", "http_status": 200})


def error_answer(status: int, error_code: str, message: str, **extra) -> Response:
    response = jsonify(command_response={}, error={"error_code": error_code, "message": message, **extra})
    response.status_code = status
    return response


@bp.errorhandler(ConnectorRefusal)
def refused(error: ConnectorRefusal):
    return error_answer(error.status, error.error_code, error.message, **error.extra)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    return error_answer(error.code, type(error).__name__, error.description or error.name)


@bp.errorhandler(Exception)
def unexpected_error(error: Exception):
    if isinstance(error, HTTPException):
        return http_error(error)
    reference = uuid.uuid4().hex[:12]
    # The operator's name only: its arguments may name a requester.
    log.error("connector call failed (reference %s) on %s", reference, request.path, exc_info=error)
    return error_answer(500, "InternalError", "Clerkflow failed to run this operator. Tell its administrator "
                        f"the reference {reference}.", reference=reference)
