"""Letters as PDF (issue 5, "Letters and mail"): the letterhead, the date, the subject, the text and page
numbers; requesters download their own letters only, staff download from the task page."""
from __future__ import annotations

import re
import zlib
from datetime import date


from records_office import REQUEST, STATUS_LINK, TRACKING
from web.letter_pdf import Letterhead, latin_1, render_letter_pdf

STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)


def pdf_text(document: bytes) -> str:
    """The text drawn on the pages: every content stream, inflated where it is compressed."""
    parts = []
    for stream in STREAM.findall(document):
        try:
            parts.append(zlib.decompress(stream))
        except zlib.error:
            parts.append(stream)
    # fpdf2 draws "Page 1 of " and the page count as two strings side by side: read them as one.
    return b"\n".join(parts).decode("latin-1").replace(") Tj (", "")


def filed(client, csrf_token, **data) -> tuple[str, str]:
    """(tracking number, status path) of a request filed through the portal's form."""
    response = client.post("/request", data={**REQUEST, **data, "csrf_token": csrf_token(client, "/request")})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return TRACKING.search(page).group(0), STATUS_LINK.search(page).group(1)


def test_letter_has_the_letterhead_date_subject_paragraphs_and_page_numbers():
    letter = {"letter": "acknowledgement", "subject": "Your records request R-2026-00042",
              "text": "Dear Pat Doe,\n\nWe received your request.\n\nCity Clerk\nCity Clerk's Office"}
    document = render_letter_pdf(letter, letterhead=Letterhead("City of Springfield", "City Clerk's Office",
                                                               ("1 Main Street", "Springfield KS 66000")),
                                 dated=date(2026, 11, 23), reference="R-2026-00042", compress=False)
    text = pdf_text(document)
    assert document.startswith(b"%PDF")
    for words in ("City of Springfield", "1 Main Street", "November 23, 2026", "Request R-2026-00042",
                  "Your records request R-2026-00042", "Dear Pat Doe,", "We received your request.", "Page 1 of 1"):
        assert words in text, words


def test_a_long_letter_runs_onto_numbered_pages():
    letter = {"subject": "Statement of grounds", "text": "\n\n".join(f"Paragraph {n} of the grounds." for n in range(120))}
    text = pdf_text(render_letter_pdf(letter, compress=False))
    pages = re.findall(r"Page (\d+) of (\d+)", text)
    total = int(pages[0][1])
    assert total > 1 and pages == [(str(number), str(total)) for number in range(1, total + 1)]
    assert "Paragraph 119 of the grounds." in text


def test_characters_the_font_lacks_are_spelled_the_nearest_way():
    assert latin_1("“Records” – § 45-218 … café Œuvre Łódź 日") == "\"Records\" - § 45-218 ... café OEuvre Lódz ?"
    letter = {"subject": "Your ‘request’ — received", "text": "Owner: Zoë Ødegård — “quoted”"}
    text = pdf_text(render_letter_pdf(letter, compress=False))
    assert "Your 'request' -- received" in text


def test_requester_downloads_their_letter_as_pdf(client, portal, csrf_token):
    tracking_number, status_path = filed(client, csrf_token)
    page = client.get(status_path).get_data(as_text=True)
    assert re.search(r'letters/1.pdf" aria-label="Download as PDF: [^"]+">Download as PDF', page)
    response = client.get(f"{status_path}/letters/1.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert f'filename="{tracking_number}-01-acknowledgement.pdf"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert f"Your records request {tracking_number}" in text and "City Clerk's Office" in text


def test_a_status_link_opens_only_its_own_requests_letters(client, portal, csrf_token):
    first_number, first_path = filed(client, csrf_token)
    second_number, second_path = filed(client, csrf_token, requester_name="Sam Roe")
    assert second_number in pdf_text(client.get(f"{second_path}/letters/1.pdf").data)
    assert first_number not in pdf_text(client.get(f"{second_path}/letters/1.pdf").data)
    assert client.get(f"{first_path}/letters/2.pdf").status_code == 404
    assert client.get("/status/not-a-real-link/letters/1.pdf").status_code == 404


def test_staff_download_a_letter_from_the_task_page_only_for_work_they_may_see(client, portal, csrf_token,
                                                                               login_as, app):
    app.config["LETTERHEAD_CITY"] = "City of Springfield"
    tracking_number, _ = filed(client, csrf_token, office_key="police")
    [task] = portal.list_tasks(roles={"custodian:police"})
    login_as("custodian:police", username="officer")
    page = client.get(f"/inbox/tasks/{task.task_id}").get_data(as_text=True)
    assert f'/inbox/tasks/{task.task_id}/letters/1.pdf' in page
    response = client.get(f"/inbox/tasks/{task.task_id}/letters/1.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "City of Springfield" in text and "Police Department" in text and tracking_number in text
    assert client.get(f"/inbox/tasks/{task.task_id}/letters/5.pdf").status_code == 404
    client.post("/logout", data={"csrf_token": csrf_token(client, "/inbox")})
    login_as("custodian:city_treasurer", username="treasurer")
    assert client.get(f"/inbox/tasks/{task.task_id}/letters/1.pdf").status_code == 403
