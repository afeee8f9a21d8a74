"""Data privacy complaints and breach reports (seed 000, Kansas City Data Privacy Ordinance Overview).

The seed is an overview, not an ordinance: "specific monetary fines and escalation schedules for data-privacy
breaches are not consolidated in a single published ordinance section", and "specific appeal periods are not
specified on the cited page and must be confirmed in the controlling ordinance or rule". So each figure is a
city setting per rule (`privacy_rules`, edited by administrators in the city data) with no default: a rule
with no appeal limit says that appeal instructions were requested in writing; a rule with no fine for an
offence cannot be the ground of one. Who works a complaint is `city.rules.roles`.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from city.rules.business_calendar import city_day, city_midnight
from city.rules.registry import Parameter, operator

# "first, repeat, and continuing offence treatment is not specified on the cited page" (000, Penalties).
OFFENCES = ("first", "repeat", "continuing")
OFFENCE_WORDS = {"first": "a first offence", "repeat": "a repeat offence", "continuing": "a continuing offence"}
NOT_SET = "not set"
# The outcomes a decision may order (000, "Non-monetary sanctions" and "Common violations").
ORDERS = ("notify_affected_persons", "corrective_actions", "cease_processing", "preserve_records")
OUTCOMES = (*ORDERS, "injunctive_relief", "contract_remedy", "fine")


@dataclass(frozen=True)
class PrivacyRule:
    """An ordinance section or administrative rule a decision may rely on, with the figures the city set."""

    rule_ref: str                           # "Code Sec. 2-1234" or "AR 1-05", as decisions cite it
    title: str
    appeal_limit_days: int | None = None    # None: not published, appeal instructions are asked in writing
    fines: Mapping[str, Decimal | None] | None = None    # by offence ("first", "repeat", "continuing")

    def fine(self, offence: str) -> Decimal | None:
        return (self.fines or {}).get(offence)


def rule_key(rule_ref: str) -> str:
    """The form a rule reference is looked up by: spaces collapsed, case ignored ("sec. 2-10" = "Sec.  2-10")."""
    return " ".join((rule_ref or "").split()).casefold()


def find_rule(rule_ref: str, privacy_rules: Mapping[str, PrivacyRule]) -> PrivacyRule | None:
    wanted = rule_key(rule_ref)
    return next((rule for rule in privacy_rules.values() if rule_key(rule.rule_ref) == wanted), None)


def setting_text(value: object) -> str:
    """A setting as an administrator reads it: "not set" when the city has published no figure."""
    return NOT_SET if value is None else str(value)


def appeal_window_closes_at(decided_at: datetime, appeal_limit_days: int) -> datetime:
    """The end (city midnight) of the last day of the appeal period, counted in calendar days from the decision."""
    return city_midnight(city_day(decided_at) + timedelta(days=appeal_limit_days + 1))


@dataclass(frozen=True)
class DecisionTerms:
    """What a decision says of its rule: the appeal route and time limit, and the fine it may order."""

    rule_ref: str
    rule_known: bool
    appeal_limit_days: int | None
    appeal_window_closes_at: datetime | None
    appeal_instructions_requested_in_writing: bool
    appeal_terms: str                       # the sentence the person reads
    fine_amount: Decimal | None
    fine_refused: str                       # why a fine cannot be ordered; "" when it can or none is asked


def decision_terms(rule_relied_on: str, decided_at: datetime, outcomes: list[str], offence: str | None,
                   privacy_rules: Mapping[str, PrivacyRule]) -> DecisionTerms:
    """The appeal terms and fine of a decision relying on `rule_relied_on`, from the rule's settings."""
    cited = " ".join((rule_relied_on or "").split())
    if not cited:
        raise ValueError("a decision names the ordinance section or administrative rule it relies on")
    rule = find_rule(cited, privacy_rules)
    days = rule.appeal_limit_days if rule else None
    closes = appeal_window_closes_at(decided_at, days) if days is not None else None
    if closes is not None:
        last_day = city_day(closes - timedelta(seconds=1))
        terms = (f"You may appeal this decision within {days} days under {cited}: the appeal must be filed by "
                 f"the end of {last_day.strftime('%A %d %B %Y')} (Kansas City time).")
    else:
        terms = (f"No appeal time limit is published for {cited}. The City Clerk has requested the appeal "
                 "instructions in writing from the enforcing office and will send them to you; an appeal you file "
                 "meanwhile is received and reviewed.")
    fine_amount, fine_refused = None, ""
    if "fine" in outcomes:
        if offence not in OFFENCES:
            fine_refused = "Say whether the fine is for a first, repeat or continuing offence."
        else:
            fine_amount = rule.fine(offence) if rule else None
            if fine_amount is None:
                fine_refused = (f"No fine is set for {OFFENCE_WORDS[offence]} under {cited} (the city's settings say "
                                f'"{NOT_SET}"): a fine can be ordered only where a rule sets one. Remove the fine, '
                                "or cite the rule that sets it.")
    return DecisionTerms(cited, rule is not None, days, closes, closes is None, terms, fine_amount, fine_refused)


def appeal_refusal(filed_at: datetime, window_closes_at: datetime | None, rule_ref: str) -> str:
    """Why an appeal is refused as late; "" when it is in time (or no time limit is published)."""
    if window_closes_at is None or filed_at < window_closes_at:
        return ""
    last_day = city_day(window_closes_at - timedelta(seconds=1))
    return (f"The appeal was filed on {city_day(filed_at).isoformat()}, after the appeal period under {rule_ref} "
            f"ended on {last_day.isoformat()}: it is refused as late.")


@operator(
    "privacy.decision_terms",
    "000: the appeal route and time limit of a privacy decision, and its fine, from the settings of the rule cited.",
    Parameter("rule_relied_on", "string",
              description="the ordinance section or administrative rule the decision cites"),
    Parameter("decided_at", "datetime", description="when the decision was made"),
    Parameter("outcomes", "list", False, "the outcomes ordered (empty when dismissed)"),
    Parameter("offence", "string", False, 'for a fine: "first", "repeat" or "continuing"'),
    settings=("privacy_rules",),
)
def _decision_terms_operator(*, rule_relied_on: str, decided_at: datetime, privacy_rules: Mapping[str, PrivacyRule],
                             outcomes: list[str] | None = None, offence: str | None = None) -> DecisionTerms:
    return decision_terms(rule_relied_on, decided_at, list(outcomes or []), offence or None, privacy_rules)


@operator(
    "privacy.appeal_refusal",
    "000: why an appeal is refused as late (empty text: it is in time, or no time limit is published).",
    Parameter("filed_at", "datetime", description="when the appeal was filed"),
    Parameter("window_closes_at", "datetime", False, "the end of the appeal period; empty: no limit is published"),
    Parameter("rule_ref", "string", description="the rule the decision relied on"),
)
def _appeal_refusal_operator(*, filed_at: datetime, rule_ref: str, window_closes_at: datetime | None = None) -> str:
    return appeal_refusal(filed_at, window_closes_at, rule_ref)
