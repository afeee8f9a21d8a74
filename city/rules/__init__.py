"""The city's rules as operators that BPMN service tasks call: 003, Art. 6 open records; K.S.A. 45-217..221.

Fees and prepayment (`fees`), custodians and office hours (`custodians`), denial grounds
(`exemptions`), letters (`letters`), business-day deadlines (`business_calendar`).

Importing this package imports every module in it, so each `@operator` it declares is in `OPERATORS`:
a new rule module needs no list to be edited.
"""
import importlib
import pkgutil

from city.rules.registry import (
    OPERATORS,
    Operator,
    OperatorArgumentError,
    OperatorError,
    Parameter,
    UnknownOperator,
    call_operator,
    describe_operators,
)

__all__ = [
    "OPERATORS",
    "Operator",
    "OperatorArgumentError",
    "OperatorError",
    "Parameter",
    "UnknownOperator",
    "call_operator",
    "describe_operators",
]

for _module in pkgutil.iter_modules(__path__):
    importlib.import_module(f"{__name__}.{_module.name}")
