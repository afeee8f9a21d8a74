"""Settings: the letters sent to requesters (subject and body with {placeholders}, previewed with sample request
data) and the exemption catalogue a denial cites (K.S.A. 45-221(a), 45-218(e); city.citydata)."""
from __future__ import annotations

from decimal import Decimal

from flask import abort, flash, redirect, render_template, request, url_for

from city.citydata import (CityDataRefused, list_exemptions, list_letter_templates, set_exemption,
                             set_letter_template, template_placeholders)
from city.rules.letters import LETTERHEAD, letterhead_values, render
from web.admin.blueprint import bp
from web.admin.settings import actor, change_city, read_city
from web.auth import role_required
from web.access import ADMINISTRATOR

EVERY_LETTER = ("tracking_number", "requester_name", "office_name", "custodian_name")
# What `letters.render` adds to every letter from the city's letterhead (the template "letterhead").
FROM_THE_LETTERHEAD = ("city_name", "city_address")
LETTERHEAD_MISSING = {"subject": "Enter the city's name, as it heads a letter.",
                      "body": "Enter the city's postal address, a line each."}
# What processes/records_request.bpmn passes to `letters.render` for each letter, besides EVERY_LETTER
# (tests/web/test_admin_settings.py checks this against the diagram).
LETTER_PLACEHOLDERS = {
    "acknowledgement": ("received_at", "records_description", "response_due_at"),
    "fee_estimate": ("inspection_fee", "copy_fee", "mailing_fee", "estimate_total", "schedule_effective_from"),
    "prepayment_demand": ("estimate_total", "prepayment_due", "prepayment_amount"),
    "privacy_notice": ("available_at", "privacy_wait_ends_at"),
    "delay_explanation": ("delay_reason", "available_place", "available_at"),
    "denial": ("grounds", "denial_grounds", "citations"),
    "statement_of_grounds": ("grounds", "denial_grounds", "citations"),
    "referral": ("referred_custodian", "referred_office_name"),
}
SAMPLE_REQUEST = {
    "tracking_number": "R-2026-00042", "requester_name": "Pat Doe", "office_name": "City Clerk's Office",
    "custodian_name": "City Clerk", "received_at": "2026-11-23T09:15:00-06:00",
    "records_description": "Council minutes of January 2026", "response_due_at": "2026-11-27T23:59:59-06:00",
    "inspection_fee": Decimal("30.00"), "copy_fee": Decimal("17.50"), "mailing_fee": Decimal("0.00"),
    "estimate_total": Decimal("47.50"), "schedule_effective_from": "2005-01-01",
    "prepayment_due": Decimal("47.50"), "prepayment_amount": Decimal("47.50"),
    "available_at": "2026-11-30T10:00:00-06:00", "privacy_wait_ends_at": "2026-11-30T10:00:00-06:00",
    "delay_reason": "The records are stored off site.", "available_place": "the City Clerk's Office, City Hall",
    "grounds": "Personnel records (K.S.A. 45-221(a)(4))", "denial_grounds": "Personnel records",
    "citations": "K.S.A. 45-221(a)(4)", "referred_custodian": "the Chief of Police",
    "referred_office_name": "Police Department",
}


def allowed_placeholders(letter: str) -> tuple[str, ...] | None:
    """The names a letter may use; None for a letter the diagrams do not write (anything plain goes); none for
    the letterhead, which is plain words."""
    if letter == LETTERHEAD:
        return ()
    extra = LETTER_PLACEHOLDERS.get(letter)
    return None if extra is None else EVERY_LETTER + FROM_THE_LETTERHEAD + extra


def _check_placeholders(letter: str, values: dict[str, str], errors: dict[str, str]) -> None:
    allowed = allowed_placeholders(letter)
    for part in ("subject", "body"):
        if not values[part].strip():
            errors[part] = LETTERHEAD_MISSING[part] if letter == LETTERHEAD else f"A letter needs a {part}."
            continue
        try:
            names = template_placeholders(values[part])
        except CityDataRefused as refused:
            errors[part] = refused.user_message
            continue
        unknown = sorted(names - set(allowed)) if allowed is not None else []
        if unknown:
            errors[part] = (f"Unknown placeholder {', '.join('{' + name + '}' for name in unknown)}: the process "
                            f"does not fill it in this letter. Use one of those listed, or write {{{{ and }}}} "
                            "for a literal brace.")


@bp.get("/settings/letters")
@role_required(ADMINISTRATOR)
def settings_letters():
    letters = read_city(list_letter_templates)
    return render_template("admin/settings/letters.html", letterhead=next((row for row in letters
                                                                          if row.name == LETTERHEAD), None),
                           letters=[row for row in letters if row.name != LETTERHEAD])


@bp.route("/settings/letters/<name>", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def settings_letter(name: str):
    templates = read_city(list_letter_templates)
    letter = next((row for row in templates if row.name == name), None)
    if letter is None:
        abort(404, description=f'There is no letter template "{name}".')
    errors: dict[str, str] = {}
    values = {"subject": letter.subject, "body": letter.body}
    if request.method == "POST":
        values = {part: request.form.get(part, "").replace("\r\n", "\n") for part in ("subject", "body")}
        _check_placeholders(name, values, errors)
        if not errors and request.form.get("action") != "preview":
            refused = change_city(set_letter_template, name, actor=actor(), subject=values["subject"].strip(),
                                  body=values["body"])
            if refused is None:
                flash("The city's name and address are saved; letters written from now on, and every PDF, carry "
                      "them." if name == LETTERHEAD else
                      f'The letter "{name}" is saved; letters written from now on use it.', "info")
                return redirect(url_for(".settings_letter", name=name))
            errors["body"] = refused
        if errors:
            flash("Nothing was saved: correct the fields marked below.", "error")
    # The sample request as the city's own letterhead signs it (the one being edited, when it is the letterhead).
    kept = {row.name: {"subject": row.subject, "body": row.body} for row in templates}
    sample = {**SAMPLE_REQUEST, **letterhead_values({**kept, **({LETTERHEAD: values} if name == LETTERHEAD else {})})}
    preview = None if errors or name == LETTERHEAD else {
        part: render(values[part], sample) for part in ("subject", "body")}
    return render_template("admin/settings/letter.html", letter=letter, values=values, errors=errors,
                           preview=preview, allowed=allowed_placeholders(name), is_letterhead=name == LETTERHEAD,
                           sample=sample), 400 if errors else 200


@bp.route("/settings/exemptions", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def settings_exemptions():
    errors: dict[str, str] = {}
    values = {"code": "", "citation": "", "summary": ""}
    if request.method == "POST":
        values = {part: request.form.get(part, "").strip() for part in values}
        _exemption_fields(values, errors, new=True)
        if not errors:
            refused = change_city(set_exemption, values["code"], actor=actor(), citation=values["citation"],
                                  summary=values["summary"])
            if refused is None:
                flash(f'The ground "{values["code"]}" is added to the catalogue.', "info")
                return redirect(url_for(".settings_exemptions"))
            errors["code"] = refused
        flash("Nothing was added: correct the fields marked below.", "error")
    return render_template("admin/settings/exemptions.html", exemptions=read_city(list_exemptions), values=values,
                           errors=errors), 400 if errors else 200


@bp.route("/settings/exemptions/<code>", methods=["GET", "POST"])
@role_required(ADMINISTRATOR)
def settings_exemption(code: str):
    exemption = next((row for row in read_city(list_exemptions) if row.code == code), None)
    if exemption is None:
        abort(404, description=f'There is no exemption "{code}".')
    errors: dict[str, str] = {}
    values = {"citation": exemption.citation, "summary": exemption.summary, "active": exemption.active}
    if request.method == "POST":
        values = {"citation": request.form.get("citation", "").strip(),
                  "summary": request.form.get("summary", "").strip(), "active": request.form.get("active") == "yes"}
        _exemption_fields(values, errors, new=False)
        if not errors:
            refused = change_city(set_exemption, code, actor=actor(), citation=values["citation"],
                                  summary=values["summary"], active=values["active"])
            if refused is None:
                flash(f'The ground "{code}" is saved.', "info")
                return redirect(url_for(".settings_exemptions"))
            errors["summary"] = refused
        flash("Nothing was saved: correct the fields marked below.", "error")
    return render_template("admin/settings/exemption.html", exemption=exemption, values=values,
                           errors=errors), 400 if errors else 200


def _exemption_fields(values: dict, errors: dict[str, str], *, new: bool) -> None:
    if new and not values["code"]:
        errors["code"] = 'Enter the ground\'s code, e.g. "45-221(a)(1)".'
    elif new and len(values["code"]) > 40:
        errors["code"] = "Keep the code to 40 characters or fewer."
    if not values["citation"]:
        errors["citation"] = 'Enter the citation, e.g. "K.S.A. 45-221(a)(1)".'
    elif len(values["citation"]) > 100:
        errors["citation"] = "Keep the citation to 100 characters or fewer."
    if not values["summary"]:
        errors["summary"] = "Enter a short summary of the ground."
