"""The city data a new installation starts with (003, Art. 6; K.S.A. 45-221(a), 45-218(e)).

`city.citydata.seed_defaults` adds what is missing of these; administrators change them
afterwards. The exemption summaries are short and neutral: the City Attorney should review
them against the statute before the letters go out.
"""
from __future__ import annotations

from city.rules.letters import LETTERHEAD

# Art. 6 appoints these official custodians; the City Clerk also keeps every record not assigned elsewhere.
DEFAULT_OFFICES = (
    ("city_clerk", "City Clerk's Office", "City Clerk"),
    ("city_treasurer", "City Treasurer's Office", "City Treasurer"),
    ("police", "Police Department", "Chief of Police"),
    ("fire", "Fire Department", "Fire Chief"),
    ("city_attorney", "City Attorney's Office", "City Attorney"),
    ("municipal_court", "Municipal Court", "Clerk of the Municipal Court"),
)
DEFAULT_OFFICE_KEYS = tuple(key for key, _, _ in DEFAULT_OFFICES)

# The grounds a denial cites most often. Summaries are short reminders, not the statute's text:
# read the statute before relying on one.
DEFAULT_EXEMPTIONS = tuple((code, f"K.S.A. {code}", summary) for code, summary in (
    ("45-221(a)(1)", "Records whose disclosure is specifically prohibited or restricted by federal law, state "
                     "statute or rule of the Kansas Supreme Court."),
    ("45-221(a)(2)", "Records privileged under the rules of evidence, unless the holder of the privilege consents "
                     "to disclosure."),
    ("45-221(a)(3)", "Medical, psychiatric, psychological, or alcoholism or drug dependency treatment records "
                     "that pertain to identifiable patients."),
    ("45-221(a)(4)", "Personnel records, performance ratings or individually identifiable records of employees or "
                     "applicants. Names, positions, salaries or actual compensation, employment contracts and "
                     "lengths of service of officers and employees stay open."),
    ("45-221(a)(5)", "Information that would reveal the identity of an undercover agent or of an informant "
                     "reporting a specific violation of law."),
    ("45-221(a)(6)", "Letters of reference or recommendation about the character or qualifications of an "
                     "identifiable individual (not those about filling a vacancy in an elected office)."),
    ("45-221(a)(10)", "Criminal investigation records, subject to the conditions of that paragraph, including a "
                      "court's power to order disclosure."),
    ("45-221(a)(11)", "Records of an agency in administrative adjudication or civil litigation, compiled in "
                      "detecting or investigating violations of civil law or administrative rules, where "
                      "disclosure would interfere with a prospective adjudication or litigation or reveal a "
                      "confidential source or undercover agent."),
    ("45-221(a)(13)", "Appraisals and engineering or feasibility estimates or evaluations made by or for the city "
                      "for acquiring property, until formal contracts are awarded."),
    ("45-221(a)(14)", "Correspondence between the city and a private individual, except correspondence giving "
                      "notice of an action, policy or determination in a regulatory, supervisory or enforcement "
                      "role, or widely distributed to the public and not in answer to that individual."),
    ("45-221(a)(20)", "Notes, preliminary drafts, research data in the process of analysis, unfunded grant "
                      "proposals, memoranda, recommendations or other records expressing opinions or proposing "
                      "policies or actions, unless publicly cited or identified in an open meeting or its agenda."),
    ("45-221(a)(25)", "Records that represent and constitute the work product of an attorney."),
    ("45-221(a)(30)", "Public records containing information of a personal nature whose public disclosure would "
                      "be a clearly unwarranted invasion of personal privacy."),
    ("45-218(e)", "A request that places an unreasonable burden in producing the records, or repeated requests "
                  "the custodian has reason to believe are meant to disrupt other essential functions of the city."),
))

# Every letter is signed with the city's name and postal address from its letterhead (below).
_SIGNATURE = "\n\n{custodian_name}\n{office_name}\n{city_name}\n{city_address}\n"
# 003, Art. 6: the City Clerk is also the city's Local Freedom of Information Officer, whom a requester may
# ask for help with a request; the acknowledgement and the referral say so.
_FREEDOM_OF_INFORMATION_OFFICER = (
    "\n\nThe City Clerk is the city's Local Freedom of Information Officer. If you need help with this "
    "request, or with any request for public records, you may contact the City Clerk at the City Clerk's Office.")
# Placeholders are filled by `letters.render` from the values the diagram passes; it writes dates,
# times and money out for the reader ("Wednesday 25 November 2026, 11:59 PM", "$31.50").
DEFAULT_LETTERS = {
    # The letterhead: not a letter but the city's name (its subject) and postal address (its body, a line each),
    # which `letters.render` puts in every letter as {city_name} and {city_address} and web/letter_pdf.py at
    # the head of every PDF. It lives with the letters so that the administrator sets it where the letters are
    # edited, with the same change log. The bracketed defaults show on every letter until it is set.
    LETTERHEAD: ("[the city's name]", "[the city's postal address]"),
    "acknowledgement": (
        "Your records request {tracking_number} has been received",
        "Dear {requester_name},\n\n"
        "We received your request for public records on {received_at}. Its tracking number is {tracking_number}; "
        "please give it whenever you contact us about this request.\n\n"
        "You asked for: {records_description}\n\n"
        "Under K.S.A. 45-218(d) we will act on your request as soon as possible, and no later than "
        "{response_due_at}. If we cannot give you access by then, we will write to explain why, and tell you "
        "the place and the earliest date and time the records will be available."
        + _FREEDOM_OF_INFORMATION_OFFICER + _SIGNATURE),
    "fee_estimate": (
        "Estimated fees for records request {tracking_number}",
        "Dear {requester_name},\n\n"
        "Before we begin searching for the records in request {tracking_number}, we are telling you our estimate "
        "of the fees, as the city's open records article requires:\n\n"
        "  Inspection (staff time to locate the records): {inspection_fee}\n"
        "  Copies: {copy_fee}\n"
        "  Mailing and handling: {mailing_fee}\n"
        "  Estimated total: {estimate_total}\n\n"
        "The estimate uses the fee schedule in force since {schedule_effective_from}. Fees are paid to the "
        "custodian of the records when the records or copies are provided, unless we ask for prepayment." + _SIGNATURE),
    "prepayment_demand": (
        "Prepayment needed for records request {tracking_number}",
        "Dear {requester_name},\n\n"
        "The estimated fees for request {tracking_number} are {estimate_total}. Under the city's open records "
        "article we require a prepayment of {prepayment_due}. No record can be made available "
        "until the prepayment is made.\n\n"
        "You may pay at the {office_name} during its office hours; please give the tracking number. If the actual "
        "fees turn out higher or lower than the prepayment, the difference is settled before you inspect the "
        "records or receive the copies." + _SIGNATURE),
    "privacy_notice": (
        "72-hour waiting period for records request {tracking_number}",
        "Dear {requester_name},\n\n"
        "The records you asked for in request {tracking_number} may contain information of a personal nature "
        "about other people, whose disclosure could be an unwarranted invasion of their personal privacy. A "
        "72-hour waiting period must therefore run before you may inspect them; it ends at "
        "{available_at}.\n\n"
        "During this period we will try to identify and contact the people concerned and ask whether they will "
        "seek a court order against disclosure. If anyone does, inspection is denied until that case is decided "
        "or a court orders otherwise, and we will let you know." + _SIGNATURE),
    "delay_explanation": (
        "When the records in request {tracking_number} will be available",
        "Dear {requester_name},\n\n"
        "We cannot give you access to the records in request {tracking_number} at once, for this reason:\n\n"
        "{delay_reason}\n\n"
        "The records will be available at {available_place}, at the earliest on {available_at} "
        "(K.S.A. 45-218(d))." + _SIGNATURE),
    "denial": (
        "Decision on records request {tracking_number}",
        "Dear {requester_name},\n\n"
        "Your request {tracking_number} is denied, in whole or in part, on these grounds:\n\n"
        "{grounds}\n\n"
        "No fee is charged for records that are denied. You may ask us in writing for a written statement of the "
        "grounds for this denial, citing the specific provision of law; we will send it by the end of the third "
        "business day after we receive your request for it (K.S.A. 45-218(d))." + _SIGNATURE.rstrip("\n")
        + "\n\ncc: City Attorney\n"),
    "statement_of_grounds": (
        "Statement of the grounds for denying records request {tracking_number}",
        "Dear {requester_name},\n\n"
        "As you asked, this is the written statement of the grounds on which request {tracking_number} was "
        "denied (K.S.A. 45-218(d)):\n\n"
        "{grounds}\n\n"
        "Provisions of law relied on: {citations}" + _SIGNATURE),
    "referral": (
        "Where to address records request {tracking_number}",
        "Dear {requester_name},\n\n"
        "The {office_name} does not keep the records described in request {tracking_number}. As K.S.A. 45-218(c) "
        "requires, we tell you that their custodian is {referred_custodian}, {referred_office_name}. We have "
        "passed your request on to that custodian, who will answer you; it keeps the same tracking number, and "
        "you may also contact that office directly." + _FREEDOM_OF_INFORMATION_OFFICER + _SIGNATURE),
}
