"""SpiffArena's connector proxy protocol over the city's operators, under /connector (docs/connector.md).

A SpiffArena server lists the city's read-only operators at GET /connector/v1/commands and runs one at
POST /connector/v1/do/clerkflow/<operator>, with an API token of an account holding the `connector` role.
"""
from web.connector import views  # noqa: F401  (its routes and error handlers)
from web.connector.blueprint import bp

__all__ = ["bp"]
