"""The operator registry: what a service task may call, how its arguments are checked, what it returns."""

import json
from datetime import date
from decimal import Decimal

import pytest

from city.rules import (
    OPERATORS,
    OperatorArgumentError,
    OperatorError,
    Parameter,
    UnknownOperator,
    call_operator,
    describe_operators,
)
from city.rules.fees import DEFAULT_FEE_SCHEDULE, DEFAULT_FEE_SCHEDULES
from city.rules.registry import operator, to_json

SETTINGS = {"fee_schedules": DEFAULT_FEE_SCHEDULES, "city_closures": frozenset()}
ASSESSED_ON = "2026-03-06"
FRIDAY_10AM_CENTRAL = "2026-03-06T10:00:00-06:00"


@pytest.fixture
def scratch_operator():
    """Register a throwaway operator for one test and remove it afterwards."""
    names = []

    def register(name, *parameters, settings=()):
        names.append(name)
        return operator(name, "a test operator", *parameters, settings=settings)

    yield register
    for name in names:
        OPERATORS.pop(name, None)


def test_city_rules_are_registered():
    assert {"calendar.business_deadline", "fees.inspection_fee", "fees.copy_fee", "fees.fee_estimate"} <= set(
        OPERATORS
    )


def test_unknown_operator_suggests_closest_name():
    with pytest.raises(UnknownOperator) as refused:
        call_operator("fees.inspection_fe", {}, SETTINGS)
    assert str(refused.value) == 'no operator "fees.inspection_fe"; did you mean "fees.inspection_fee"?'


def test_unknown_operator_without_a_close_name_says_so_plainly():
    with pytest.raises(UnknownOperator) as refused:
        call_operator("zoning.variance", {}, SETTINGS)
    assert str(refused.value) == 'no operator "zoning.variance"'


def test_missing_required_parameter_is_named():
    with pytest.raises(OperatorArgumentError) as refused:
        call_operator("calendar.business_deadline", {"received_at": FRIDAY_10AM_CENTRAL}, SETTINGS)
    assert refused.value.parameter == "business_days"
    assert '"business_days"' in str(refused.value)


def test_required_parameter_passed_as_none_is_missing():
    with pytest.raises(OperatorArgumentError) as refused:
        call_operator("fees.copy_fee", {"pages": None}, SETTINGS)
    assert refused.value.parameter == "pages"


def test_unknown_parameter_is_named_with_a_suggestion():
    with pytest.raises(OperatorArgumentError) as refused:
        call_operator("fees.copy_fee", {"pages": 3, "free_distributon": True}, SETTINGS)
    assert refused.value.parameter == "free_distributon"
    assert 'did you mean "free_distribution"?' in str(refused.value)


def test_optional_parameter_passed_as_none_takes_its_default():
    assert call_operator("fees.copy_fee", {"pages": 4, "actual_cost": None}, SETTINGS) == "1.00"


def test_operator_errors_share_one_base():
    assert issubclass(UnknownOperator, OperatorError)
    assert issubclass(OperatorArgumentError, OperatorError)


def test_business_deadline_operator_returns_an_iso_time_for_a_timer():
    due = call_operator(
        "calendar.business_deadline", {"received_at": FRIDAY_10AM_CENTRAL, "business_days": "3"}, SETTINGS
    )
    assert due == "2026-03-12T04:59:59+00:00"  # end of Wednesday 11 March, Central daylight time


def test_business_deadline_operator_uses_the_city_closures_setting():
    closed = {**SETTINGS, "city_closures": frozenset({date(2026, 3, 10)})}
    due = call_operator(
        "calendar.business_deadline", {"received_at": FRIDAY_10AM_CENTRAL, "business_days": 3}, closed
    )
    assert due == "2026-03-13T04:59:59+00:00"


def test_naive_datetime_argument_is_refused():
    with pytest.raises(OperatorArgumentError) as refused:
        call_operator(
            "calendar.business_deadline", {"received_at": "2026-03-06T10:00:00", "business_days": 3}, SETTINGS
        )
    assert refused.value.parameter == "received_at"
    assert "time zone" in str(refused.value)


def test_missing_city_setting_is_an_operator_error():
    with pytest.raises(OperatorError, match="fee_schedules"):
        call_operator("fees.copy_fee", {"pages": 1}, {})


@pytest.mark.parametrize(
    ("staff_hours", "fee"),
    [("1.5", "22.50"), (2, "30.00"), (0.1, "5.00"), (Decimal("0.04"), "0.00")],
)
def test_decimal_arguments_arrive_as_text_or_numbers(staff_hours, fee):
    assert call_operator("fees.inspection_fee", {"staff_hours": staff_hours}, SETTINGS) == fee


@pytest.mark.parametrize(("flag", "fee"), [(True, "0.00"), ("true", "0.00"), ("False", "5.00"), (False, "5.00")])
def test_boolean_arguments_arrive_as_json_or_text(flag, fee):
    arguments = {"pages": 20, "free_distribution": flag}
    assert call_operator("fees.copy_fee", arguments, SETTINGS) == fee


@pytest.mark.parametrize(
    ("operator_name", "arguments", "parameter"),
    [
        ("fees.copy_fee", {"pages": "ten"}, "pages"),
        ("fees.copy_fee", {"pages": 2.5}, "pages"),
        ("fees.copy_fee", {"pages": True}, "pages"),
        ("fees.inspection_fee", {"staff_hours": "two"}, "staff_hours"),
        ("fees.inspection_fee", {"staff_hours": "NaN"}, "staff_hours"),
        ("fees.inspection_fee", {"staff_hours": 1, "readily_available": "maybe"}, "readily_available"),
        ("fees.fee_estimate", {"assessed_on": ASSESSED_ON, "staff_hours": 1, "pages": 1, "waiver_reason": 7},
         "waiver_reason"),
        ("fees.fee_estimate", {"assessed_on": "2026-03-06T10:00:00-06:00", "staff_hours": 1, "pages": 1},
         "assessed_on"),
        ("calendar.business_deadline", {"received_at": "Friday", "business_days": 3}, "received_at"),
    ],
)
def test_argument_of_the_wrong_kind_is_named(operator_name, arguments, parameter):
    with pytest.raises(OperatorArgumentError) as refused:
        call_operator(operator_name, arguments, SETTINGS)
    assert refused.value.parameter == parameter
    assert f'"{parameter}"' in str(refused.value)


def test_fee_estimate_operator_returns_json_with_two_decimal_amounts():
    arguments = {"assessed_on": ASSESSED_ON, "staff_hours": "2", "pages": 6}
    estimate = call_operator("fees.fee_estimate", arguments, SETTINGS)
    assert estimate == {
        "inspection_fee": "30.00",
        "copy_fee": "1.50",
        "mailing_fee": "0.00",
        "total": "31.50",
        "prepayment_required": True,
        "notice_required": True,
        "waived": "0.00",
        "waiver_reason": "",
        "schedule_effective_from": DEFAULT_FEE_SCHEDULE.effective_from.isoformat(),
        "locating_cost": "30.00",
    }
    assert json.loads(json.dumps(estimate)) == estimate


def test_waiver_without_reason_through_the_operator_is_refused():
    with pytest.raises(OperatorArgumentError) as refused:
        arguments = {"assessed_on": ASSESSED_ON, "staff_hours": 2, "pages": 6, "waived_amount": "5"}
        call_operator("fees.fee_estimate", arguments, SETTINGS)
    assert refused.value.parameter == "waiver_reason"


def test_date_and_list_parameters_are_coerced(scratch_operator):
    @scratch_operator(
        "test.days_listed", Parameter("first_day", "date"), Parameter("days", "list"), Parameter("note", "string", False)
    )
    def days_listed(first_day, days, note="none"):
        return {"first_day": first_day, "days": days, "note": note}

    result = call_operator("test.days_listed", {"first_day": "2026-03-06", "days": ("a", "b")}, {})
    assert result == {"first_day": "2026-03-06", "days": ["a", "b"], "note": "none"}
    with pytest.raises(OperatorArgumentError, match="only the day"):
        call_operator("test.days_listed", {"first_day": "2026-03-06T10:00:00+00:00", "days": []}, {})


def test_result_that_is_not_json_is_an_operator_error():
    with pytest.raises(OperatorError, match="object"):
        to_json(object())


def test_registering_a_name_twice_is_refused(scratch_operator):
    scratch_operator("test.once")(lambda: None)
    with pytest.raises(ValueError, match="twice"):
        operator("test.once", "again")(lambda: None)


def test_parameter_type_must_be_known():
    with pytest.raises(ValueError, match="money"):
        Parameter("amount", "money")


def test_describe_operators_lists_every_operator_for_the_modeler():
    described = {entry["name"]: entry for entry in describe_operators()}
    assert set(described) == set(OPERATORS)
    deadline = described["calendar.business_deadline"]
    assert deadline["parameters"] == [
        {
            "name": "received_at",
            "type": "datetime",
            "required": True,
            "description": "when the request arrived, with its time zone",
        },
        {
            "name": "business_days",
            "type": "integer",
            "required": True,
            "description": "business days allowed; 3 under K.S.A. 45-218(d)",
        },
    ]
    # City settings are the engine's to pass, never a BPMN parameter.
    assert "fee_schedules" not in {p["name"] for p in described["fees.fee_estimate"]["parameters"]}
    assert all(entry["description"] and "\n" not in entry["description"] for entry in described.values())
    json.dumps(described)


def test_object_parameter_passes_a_json_object_through(scratch_operator):
    @scratch_operator("test.object_echo", Parameter("values", "object"))
    def object_echo(values):
        values["seen"] = True  # the operator gets its own copy
        return values

    given = {"requester_name": "Pat Doe", "pages": 3}
    echoed = call_operator("test.object_echo", {"values": given}, {})
    assert echoed == {"requester_name": "Pat Doe", "pages": 3, "seen": True}
    assert given == {"requester_name": "Pat Doe", "pages": 3}


@pytest.mark.parametrize("value", [["a"], "text", 3, {1: "a"}])
def test_object_parameter_refuses_anything_but_names_and_values(scratch_operator, value):
    scratch_operator("test.object_only", Parameter("values", "object"))(lambda values: values)
    with pytest.raises(OperatorArgumentError, match="an object of names and values") as refused:
        call_operator("test.object_only", {"values": value}, {})
    assert refused.value.parameter == "values"


def test_records_request_operators_are_registered():
    assert {
        "custodians.route_request",
        "custodians.earliest_available",
        "fees.invoice",
        "fees.settle_prepayment",
        "exemptions.cite",
        "letters.render",
    } <= set(OPERATORS)
