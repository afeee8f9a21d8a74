"""The city's rules as operators that BPMN service tasks call: 003, Art. 6 open records; K.S.A. 45-217..221.

Fees and prepayment (`fees`), custodians and office hours (`custodians`), denial grounds
(`exemptions`), letters (`letters`), business-day deadlines (`business_calendar`).

Importing this package registers every operator module in `OPERATORS`.
"""

from city.rules import business_calendar, custodians, exemptions, fee_operators, letters  # noqa: F401  (registers them)
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
