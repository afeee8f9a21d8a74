"""The city's checks on a start by hand that a start form cannot say (engine.start_rules), whoever starts it:
the portal, the staff intake page, the administrator's start page, the command line.

`records_request`: the requester is an individual person or persons (003, Art. 6: "In all cases the party
so requesting must be an individual person or persons"; city.rules.requesters). The request form itself
(forms/records_request/request.schema.json) is checked by the engine before these rules.

`dataset_approval`: the sample is a data set's sample, a table of at most 5 MB, never an image file, GIS
data aside (002, Terms of Use, Definitions; city.open_data.sample).

`dataset_takedown`: the data set reported is one the public catalog shows (002; city.open_data.catalog), read from
`database` when the rules are given one.

`privacy_complaint`: a tracking number named as the records request not answered in time is one the city gave
(000; city.privacy_cases), read from `database` when the rules are given one.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from city.open_data.catalog import published_dataset
from city.open_data.sample import sample_problem
from city.privacy_cases import unknown_records_request
from city.reports import RECORDS_REQUEST
from city.rules.requesters import not_an_individual
from engine.db import Database
from engine.filestore import parse_file_reference

REQUESTER_NAME = "requester_name"
DATASET_APPROVAL = "dataset_approval"
SAMPLE = "sample"
PRIVACY_COMPLAINT = "privacy_complaint"
LINKED_REQUEST = "records_request_tracking_number"
DATASET_TAKEDOWN = "dataset_takedown"
REPORTED_DATASET = "dataset_slug"


class CityStartRules:
    def __init__(self, database: Database | None = None):
        self.database = database

    def start_problems(self, process_key: str, data: Mapping[str, Any]) -> dict[str, str]:
        if process_key == PRIVACY_COMPLAINT:
            if self.database is None or not data.get(LINKED_REQUEST):
                return {}
            with self.database.read() as session:
                problem = unknown_records_request(session.connection(), data[LINKED_REQUEST])
            return {LINKED_REQUEST: problem} if problem else {}
        if process_key == DATASET_TAKEDOWN:
            return self._reported_dataset_problems(data)
        if process_key == DATASET_APPROVAL:
            if not data.get(SAMPLE):
                return {}       # the form says it is required
            stored = parse_file_reference(data[SAMPLE])
            problem = (sample_problem(stored.filename, stored.size) if stored
                       else "is not a file uploaded with the form: attach the sample as a file.")
            return {SAMPLE: problem} if problem else {}
        if process_key != RECORDS_REQUEST:
            return {}
        problem = not_an_individual(data.get(REQUESTER_NAME))
        return {REQUESTER_NAME: problem} if problem else {}

    def _reported_dataset_problems(self, data: Mapping[str, Any]) -> dict[str, str]:
        slug = str(data.get(REPORTED_DATASET) or "")
        if not slug:
            return {REPORTED_DATASET: "is missing: report a data set from its page on the open data catalog."}
        if self.database is None:
            return {}
        with self.database.read() as session:
            shown = published_dataset(session.connection(), slug) is not None
        return {} if shown else {REPORTED_DATASET: f'"{slug}" is not a data set the open data catalog shows.'}
