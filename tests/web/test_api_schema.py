"""The OpenAPI document and the API agree (issue 14): a bounded, deterministic schemathesis run over every
operation of GET /api/openapi.json, as an administrator's token, checking that no answer is a server error,
every status is documented, its content type is the documented one and its body matches its schema."""
from __future__ import annotations

import pytest

schemathesis = pytest.importorskip("schemathesis")    # the `test` extra (pyproject.toml)

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402  (schemathesis brings hypothesis)
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import (content_type_conformance, not_a_server_error,  # noqa: E402
                                 response_schema_conformance, status_code_conformance)

from tests.web.test_api import bearer, token_for  # noqa: E402,F401  (fixture)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Data the document allows, and data it forbids (ids past any row, wrong types, missing bodies). Not checked:
# that allowed data is never refused (text with control characters is 422 by the engine's rule, which
# JSON Schema cannot say of arbitrary nested data).
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
EXAMPLES_PER_OPERATION = 12     # about 600 calls in all: seconds, and the same ones every run


@pytest.mark.parametrize("mode", MODES, ids=lambda mode: mode.value)
def test_every_operation_answers_as_its_document_says(app, token_for, review_request, mode):
    app.config["API_RATE_LIMIT"] = "100000 per minute"    # the run itself is not what is being limited
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)
    headers = bearer(token_for("administrator"))
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    for operation in operations:
        @settings(max_examples=EXAMPLES_PER_OPERATION, derandomize=True, deadline=None, database=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode))
        def answers_as_documented(case):
            response = case.call(headers=headers)
            case.validate_response(response, checks=CHECKS, headers=headers)

        answers_as_documented()
