"""Where the two cities' texts differ, the difference is a setting (SPEC.md section 2; docs/open-data.md).

- Who approves data sets and decides reports on published data: Sacramento's Records Manager ("Requests for
  delivery of City data sets ... shall be submitted to the City's Records Manager ... for vetting and approval";
  "the Records Manager shall as appropriate, promptly correct or remove such data"), the default; or Kansas City's
  Open Data Officer, who "shall oversee the implementation and management of the Open Data Portal" (Sec. 2-2134).
- Who catalogues and publishes an approved data set: Sacramento's IT Open Data Coordinator (the portal is
  "administered by Department of Information Technology", which shall "catalogue and post" the data sets), the
  default; or Kansas City's Open Data Officer, who "shall coordinate the publication of public data from City
  departments" (Sec. 2-2134) on the portal the officer administers (Sec. 2-2133).
- The catalog's DCAT-US publisher name, bureauCode and programCode (`/data.json`).

A case reads the roles once, when it starts (operator `open_data.roles_in_force`), and keeps them: a change here
routes the cases started after it. Every change is a row of the settings change log (kind "open_data_setting").
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from city.change_log import record_change
from city.open_data.models_settings import OPEN_DATA_SETTING_ROW, OpenDataSetting
from city.rules.roles import IT_OPEN_DATA_COORDINATOR, OPEN_DATA_OFFICER, RECORDS_MANAGER
from engine import clock
from engine.errors import ClerkflowError

OPEN_DATA_SETTING = "open_data_setting"   # the change log's kind
APPROVERS = {
    RECORDS_MANAGER: "Records Manager (Sacramento)",
    OPEN_DATA_OFFICER: "Open Data Officer (Kansas City)",
}
PUBLISHERS = {
    IT_OPEN_DATA_COORDINATOR: "IT Open Data Coordinator (Sacramento: the Department of Information Technology "
                              "administers the portal)",
    OPEN_DATA_OFFICER: "Open Data Officer (Kansas City: the Open Data Officer administers the portal)",
}
# DCAT-US 1.1 requires both; a city has no federal budget codes, so non-federal publishers give these placeholders.
DEFAULT_BUREAU_CODE = "000:00"
DEFAULT_PROGRAM_CODE = "000:000"
BUREAU_CODE = re.compile(r"^[0-9]{3}:[0-9]{2}$")     # the schema's patterns
PROGRAM_CODE = re.compile(r"^[0-9]{3}:[0-9]{3}$")
PUBLISHER_NAME_MAX = 200
# The role's title as pages and letters say it ("report it to the Open Data Officer").
ROLE_TITLES = {RECORDS_MANAGER: "Records Manager", OPEN_DATA_OFFICER: "Open Data Officer",
               IT_OPEN_DATA_COORDINATOR: "IT Open Data Coordinator"}


class OpenDataSettingsRefused(ClerkflowError):
    """The open data settings cannot be saved as asked; `field` names what to correct."""

    status = 422

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class OpenDataSettings:
    approver_role: str = RECORDS_MANAGER
    publisher_role: str = IT_OPEN_DATA_COORDINATOR
    publisher_name: str = ""      # empty: each data set's own publisher (its department)
    bureau_code: str = ""         # empty: DEFAULT_BUREAU_CODE
    program_code: str = ""        # empty: DEFAULT_PROGRAM_CODE


DEFAULT_SETTINGS = OpenDataSettings()


def read_open_data_settings(connection: Connection | Session) -> OpenDataSettings:
    """The settings in force (the defaults until an administrator saves them)."""
    row = connection.execute(select(OpenDataSetting.approver_role, OpenDataSetting.publisher_role,
                                    OpenDataSetting.publisher_name, OpenDataSetting.bureau_code,
                                    OpenDataSetting.program_code)
                             .where(OpenDataSetting.id == OPEN_DATA_SETTING_ROW)).first()
    return DEFAULT_SETTINGS if row is None else OpenDataSettings(*row)


def role_title(role: str | None) -> str:
    """"Records Manager" or "Open Data Officer" ...; a case with no role named is Sacramento's Records Manager's."""
    return ROLE_TITLES.get(role or RECORDS_MANAGER, ROLE_TITLES[RECORDS_MANAGER])


def set_open_data_settings(session: Session, *, actor: str, approver_role: str, publisher_role: str,
                           publisher_name: str = "", bureau_code: str = "", program_code: str = "",
                           now: datetime | None = None) -> OpenDataSettings:
    """Save the settings, checked, and log the change; `OpenDataSettingsRefused` says what to correct."""
    if not isinstance(actor, str) or not actor.strip():
        raise OpenDataSettingsRefused("Say who makes this change (a username).", "actor")
    wanted = OpenDataSettings(approver_role=(approver_role or "").strip(), publisher_role=(publisher_role or "").strip(),
                              publisher_name=" ".join((publisher_name or "").split()),
                              bureau_code=(bureau_code or "").strip(), program_code=(program_code or "").strip())
    _check(wanted)
    before = read_open_data_settings(session)
    row = session.get(OpenDataSetting, OPEN_DATA_SETTING_ROW)
    if row is None:
        row = OpenDataSetting(id=OPEN_DATA_SETTING_ROW)
        session.add(row)
    for name, value in asdict(wanted).items():
        setattr(row, name, value)
    row.updated_by, row.updated_at = actor, now or clock.now()
    record_change(session, at=row.updated_at, actor=actor, kind=OPEN_DATA_SETTING, subject_key="open data",
                  action="changed", before=asdict(before), after=asdict(wanted))
    return wanted


def _check(wanted: OpenDataSettings) -> None:
    if wanted.approver_role not in APPROVERS:
        raise OpenDataSettingsRefused(f'Choose who approves data sets: {" or ".join(APPROVERS.values())}.',
                                      "approver_role")
    if wanted.publisher_role not in PUBLISHERS:
        raise OpenDataSettingsRefused(f'Choose who catalogues and publishes: {" or ".join(PUBLISHERS.values())}.',
                                      "publisher_role")
    if len(wanted.publisher_name) > PUBLISHER_NAME_MAX:
        raise OpenDataSettingsRefused(f"Keep the publisher's name to {PUBLISHER_NAME_MAX} characters or fewer.",
                                      "publisher_name")
    if wanted.bureau_code and not BUREAU_CODE.match(wanted.bureau_code):
        raise OpenDataSettingsRefused(f'"{wanted.bureau_code}" is not a bureau code: three digits, a colon, two digits '
                                      f"(e.g. {DEFAULT_BUREAU_CODE}); leave it empty for {DEFAULT_BUREAU_CODE}.",
                                      "bureau_code")
    if wanted.program_code and not PROGRAM_CODE.match(wanted.program_code):
        raise OpenDataSettingsRefused(f'"{wanted.program_code}" is not a program code: three digits, a colon, three '
                                      f"digits (e.g. {DEFAULT_PROGRAM_CODE}); leave it empty for "
                                      f"{DEFAULT_PROGRAM_CODE}.", "program_code")

