"""Staff-only notes on a request: comments and attachments (files in the content-addressed file store)."""
from __future__ import annotations
