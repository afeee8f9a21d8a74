"""The city's rules as operators that BPMN service tasks call: 003, Art. 6 fees; K.S.A. 45-217/218 deadlines.

Importing this package registers every operator module in `OPERATORS`.
"""

from engine.services import business_calendar, fees  # noqa: F401  (importing registers the operators)
from engine.services.registry import (
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
