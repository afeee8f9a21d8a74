"""Task page: staff-only comments and attachments on a request."""
from __future__ import annotations
