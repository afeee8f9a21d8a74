"""The REST API is rate limited per caller (docs/api.md): past `API_RATE_LIMIT`, a call gets 429 in the
API's JSON shape with Retry-After and does nothing; another account is counted apart; the next window
lets the caller in again. Pages are not limited by it."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from test_api import token_for  # noqa: F401  (fixture)

START = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def tokens(app, token_for, time_machine):
    time_machine.move_to(START, tick=False)
    app.config["API_RATE_LIMIT"] = "3 per minute"
    return {username: token_for("clerk", username=username) for username in ("integration", "other")}


def call(client, token):
    return client.get("/api/tasks", headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})


def test_a_caller_past_the_limit_gets_429_json_until_the_next_window(app, client, tokens, time_machine):
    assert [call(client, tokens["integration"]).status_code for _ in range(3)] == [200, 200, 200]
    refused = call(client, tokens["integration"])
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "too_many_requests"
    assert int(refused.headers["Retry-After"]) > 0
    assert call(client, tokens["other"]).status_code == 200          # another account is counted apart
    time_machine.move_to(START + timedelta(minutes=1, seconds=1), tick=False)
    assert call(client, tokens["integration"]).status_code == 200


def test_pages_are_not_counted_against_the_api_limit(app, login_as, tokens):
    client = login_as("clerk", username="cathy")
    assert [client.get("/inbox").status_code for _ in range(5)] == [200] * 5
