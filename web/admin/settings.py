"""Settings pages (administrators): fee schedules, closures, offices and hours, designated custodians, letter templates, SMTP; every change audited with its effective date."""
from __future__ import annotations
