"""Who does the records office's work, in the words the diagrams' lanes and the inbox use (003, Art. 6).

Each office's official custodian, and those they designate, work its requests under the role
"custodian:<office_key>", the candidate role the records request routes each request's tasks to.
This is the one place that spells it.
"""
from __future__ import annotations

CUSTODIAN = "custodian"
CITY_CLERK_OFFICE = "city_clerk"
# The "Clerk" lane of records_request.bpmn: the City Clerk's office's intake and routing of every request.
CLERK = "clerk"
CITY_CLERK = "city_clerk"
CITY_ATTORNEY = "city_attorney"
RECORDS_MANAGER = "records_manager"
IT_OPEN_DATA_COORDINATOR = "it_open_data_coordinator"
OPEN_DATA_OFFICER = "open_data_officer"
# The requestor of a data set's review (002): a department's open data coordinator or liaison.
OPEN_DATA_LIAISON = "open_data_liaison"
FINANCE = "finance"
# Art. 6: the clerk-finance officer (FINANCE) and the City Treasurer audit the custodians' duplicates.
CITY_TREASURER = "city_treasurer"
# 000: privacy complaints and breach reports go to the City Clerk and the responsible department (the custodian of
# the office that holds the data); the Office of the City Manager and Information Technology also handle
# enforcement, and city procurement records contract remedies for a contractor's breach.
CITY_MANAGER = "city_manager"
INFORMATION_TECHNOLOGY = "information_technology"
PROCUREMENT = "procurement"
# The software's own roles: the administrator acts for every office (the city's rules, such as who may
# record a payment, name it); the analyst reads and models. `web.access` describes them for the user pages.
ADMINISTRATOR = "administrator"
ANALYST = "analyst"
# The city's roles, as the administrator's user pages describe them.
CITY_ROLE_DESCRIPTIONS = {
    CLERK: "Clerk: works the clerk's office inbox",
    CITY_CLERK: "City clerk: the official records custodian of the city",
    CUSTODIAN: "Records custodian (any office; see the per-office custodian roles)",
    CITY_ATTORNEY: "City attorney: legal review of denials and complaints",
    RECORDS_MANAGER: "Records manager: retention and records management; reviews data sets for protected data "
                     "and approves them for the open data portal",
    IT_OPEN_DATA_COORDINATOR: "IT open data coordinator: advises on data sets, catalogues and publishes the approved ones",
    OPEN_DATA_OFFICER: "Open data officer: oversees the open data portal and the departments' liaisons",
    OPEN_DATA_LIAISON: "Open data liaison: a department's open data coordinator; submits its data sets for review "
                       "and gives the approved ones to IT",
    FINANCE: "Finance: fees, invoices and payments; the clerk-finance officer audits the fee duplicates",
    CITY_TREASURER: "City treasurer: audits the fee duplicates with the clerk-finance officer",
    CITY_MANAGER: "Office of the City Manager: enforces the data privacy rules, decides complaints brought to it and "
                  "takes up missed compliance dates",
    INFORMATION_TECHNOLOGY: "Information Technology: advises on data privacy complaints and breaches of city systems",
    PROCUREMENT: "Procurement: records contract remedies for a contractor's breach of data handling terms",
}


def custodian_role(office_key: str) -> str:
    """The role of the records custodian of one office ("custodian:city_treasurer")."""
    return f"{CUSTODIAN}:{office_key}"


def office_of_custodian_role(role: str) -> str | None:
    """The office a custodian role is for ("custodian:police" -> "police"); None for any other role."""
    prefix = custodian_role("")
    return role.removeprefix(prefix) if role.startswith(prefix) and role != prefix else None


def office_roles(office_key: str) -> tuple[str, ...]:
    """The candidate roles whose tasks are one office's work.

    An office's work is its custodian's (`custodian:<office>`) and the work of a lane named after the
    office ("City Attorney" -> `city_attorney`). The City Clerk's office also does intake and routing
    for every request, in the "Clerk" lane (`clerk`). A task no role is named for belongs to no one office."""
    key = office_key.strip()
    roles = [custodian_role(key), key]
    if key == CITY_CLERK_OFFICE:
        roles.append(CLERK)
    return tuple(roles)
