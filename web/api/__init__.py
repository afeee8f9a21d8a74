"""The REST API (issue 5): JSON for what the inbox and the administration pages do, under /api.

Integrations send `Authorization: Bearer <token>` (a token of a staff account, `web.models_api`);
a signed-in browser may call it too with its session (and `X-CSRF-Token` on POSTs). Both act with
the account's roles, checked as the pages check them. Every failure is one JSON shape:
`{"error": {"code": "...", "message": "...", "fields": {...}}}` (`web.api.errors`). The OpenAPI
document (`web.api.openapi`, GET /api/openapi.json) describes every route here.
"""
from web.api import commands, errors, notes, repairs, views  # noqa: F401  (their routes, handlers and commands)
from web.api.blueprint import bp
from web.models_api import create_api_token, revoke_api_token

__all__ = ["bp", "create_api_token", "revoke_api_token"]
