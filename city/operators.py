"""Every operator a service task of the city's diagrams may name, as one catalogue for the engine.

Pure operators (`city.rules`) get the city settings in force (`CityData`); host operators
(`city.ledger`) get the step's database connection and time, so what they record commits or rolls
back with the step. Open data operators (`city.open_data.operators`) get both and the file store the
engine's host opened (the sample of a data set is read from it). All declare their parameters alike, so
deploy checks them alike and the modeler lists them together. A new operator is one decorated function
in its module.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from city.ledger import HOST_OPERATORS
from city import receipt_audit  # noqa: F401  (its host operator, ledger.receipt_audit, registers itself)
from city import privacy_cases  # noqa: F401  (its host operator, privacy.linked_records_request, registers itself)
from city.open_data.operators import OPEN_DATA_OPERATORS, OpenDataStep
from city.rules import OPERATORS, call_operator, registry
from engine.filestore import FileStore
from engine.operators import StepContext

SettingsProvider = Callable[[], Mapping[str, Any]]


class CityOperators:
    """The city's operators, calling the pure ones with the settings `settings()` gives at each call, and
    handing the open data ones the file store `files` (None: a scan of a sample becomes an incident)."""

    def __init__(self, settings: SettingsProvider, files: FileStore | None = None):
        self.settings = settings
        self.files = files

    def get(self, name: str):
        return HOST_OPERATORS.get(name) or OPEN_DATA_OPERATORS.get(name) or OPERATORS.get(name)

    def names(self) -> list[str]:
        return sorted({*OPERATORS, *HOST_OPERATORS, *OPEN_DATA_OPERATORS})

    def describe(self) -> list[dict[str, object]]:
        return [{**registry.describe_operator(self.get(name)), "host": name in HOST_OPERATORS or name in OPEN_DATA_OPERATORS}
                for name in self.names()]

    def call(self, name: str, arguments: dict[str, Any], step: StepContext) -> object:
        open_data = OPEN_DATA_OPERATORS.get(name)
        if open_data is not None:
            keywords = registry.bind_arguments(name, open_data.parameters, arguments)
            return registry.to_json(open_data.function(OpenDataStep(step.connection, step.now, self.files, self.settings),
                                                       **keywords))
        host = HOST_OPERATORS.get(name)
        if host is None:
            return call_operator(name, arguments, dict(self.settings()))
        if step.connection is None:
            raise RuntimeError(f'operator "{name}" records in the database and can only run inside an engine step')
        keywords = registry.bind_arguments(host.name, host.parameters, arguments)
        return registry.to_json(host.function(step.connection, step.now, **keywords))
