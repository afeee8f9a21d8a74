"""Letters carry the city's name and address from the settings (issue 13): the administrator sets them once
(Settings > Letter templates, the letterhead), every letter a process writes is signed with them
({city_name}, {city_address}) and every letter as PDF carries them at its head."""
from __future__ import annotations

import re

import pytest
from records_office import REQUEST, STATUS_LINK, open_records_office

from city.defaults import DEFAULT_LETTERS
from city.office import city_data_of
from city.rules.letters import LETTERHEAD
from web.letter_pdf import letterhead_from

CITY = "City of Springfield, Kansas"
ADDRESS = "City Hall\r\n100 Main Street\r\nSpringfield, KS 66000"


def pdf_text(document: bytes) -> str:
    import zlib
    found = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", document, re.DOTALL):
        try:
            stream = zlib.decompress(stream)
        except zlib.error:
            pass
        found += [part.decode("latin-1") for part in re.findall(rb"\((.*?)\)\s*Tj", stream)]
    return " ".join(found)


@pytest.fixture
def admin(login_as, client):
    return login_as("administrator", username="ada")


@pytest.fixture
def office(process_engine):
    return open_records_office(process_engine)


def set_letterhead(client, csrf_token, name=CITY, address=ADDRESS):
    token = csrf_token(client, "/admin/settings/letters/letterhead")
    return client.post("/admin/settings/letters/letterhead",
                       data={"subject": name, "body": address, "action": "save", "csrf_token": token})


def test_every_default_letter_is_signed_with_the_citys_name_and_address():
    for name, (_subject, body) in DEFAULT_LETTERS.items():
        if name != LETTERHEAD:
            assert "{city_name}\n{city_address}" in body, name


def test_the_administrator_sets_the_citys_name_and_address_on_the_letters_page(admin, client, csrf_token, office):
    page = client.get("/admin/settings/letters").get_data(as_text=True)
    assert "The city's name and address" in page and "[the city&#39;s name]" in page
    form = client.get("/admin/settings/letters/letterhead").get_data(as_text=True)
    assert "The city's name" in form and "Postal address" in form and "Preview" not in form
    response = set_letterhead(client, csrf_token)
    assert response.status_code == 302
    page = client.get("/admin/settings/letters").get_data(as_text=True)
    assert CITY in page and "100 Main Street" in page
    kept = city_data_of(office)()["letter_templates"][LETTERHEAD]
    assert kept == {"subject": CITY, "body": "City Hall\n100 Main Street\nSpringfield, KS 66000"}


def test_the_letterhead_takes_no_placeholders_and_needs_both_parts(admin, client, csrf_token, office):
    refused = set_letterhead(client, csrf_token, name="City of {requester_name}")
    assert refused.status_code == 400 and "Unknown placeholder {requester_name}" in refused.get_data(as_text=True)
    empty = set_letterhead(client, csrf_token, address="  ")
    assert empty.status_code == 400 and "Enter the city&#39;s postal address" in empty.get_data(as_text=True)


def test_the_letter_preview_is_signed_with_the_citys_letterhead(admin, client, csrf_token, office):
    set_letterhead(client, csrf_token)
    page = client.get("/admin/settings/letters/acknowledgement").get_data(as_text=True)
    assert "{city_name}" in page and "{city_address}" in page          # offered as placeholders
    token = csrf_token(client, "/admin/settings/letters/acknowledgement")
    preview = client.post("/admin/settings/letters/acknowledgement", data={
        "subject": "Request {tracking_number}", "body": "Dear {requester_name},\n\n{city_name}\n{city_address}",
        "action": "preview", "csrf_token": token}).get_data(as_text=True)
    assert f"{CITY}\nCity Hall\n100 Main Street" in preview


def file_and_open(client, csrf_token) -> str:
    token = csrf_token(client, "/request")
    response = client.post("/request", data={**REQUEST, "csrf_token": token})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    return STATUS_LINK.search(page).group(1)


def test_a_letter_written_after_the_change_carries_the_name_and_address(admin, client, app, csrf_token, office):
    set_letterhead(client, csrf_token)
    requester = app.test_client()
    status_path = file_and_open(requester, csrf_token)
    text = requester.get(f"{status_path}/letters/1.txt").get_data(as_text=True)
    assert text.rstrip().endswith(f"City Clerk's Office\n{CITY}\nCity Hall\n100 Main Street\nSpringfield, KS 66000")
    pdf = pdf_text(requester.get(f"{status_path}/letters/1.pdf").data)
    assert CITY in pdf and "100 Main Street" in pdf and "Springfield, KS 66000" in pdf


def test_until_it_is_set_letters_show_the_gap_and_the_pdf_takes_the_old_settings(client, app, csrf_token, office):
    app.config["LETTERHEAD_CITY"] = "City of Elsewhere"
    app.config["LETTERHEAD_ADDRESS"] = "1 Main Street;Elsewhere, KS"
    status_path = file_and_open(client, csrf_token)
    assert "[the city's name]" in client.get(f"{status_path}/letters/1.txt").get_data(as_text=True)
    pdf = pdf_text(client.get(f"{status_path}/letters/1.pdf").data)
    assert "City of Elsewhere" in pdf and "Elsewhere, KS" in pdf


def test_the_pdf_letterhead_prefers_the_city_settings_over_the_app_settings():
    templates = {LETTERHEAD: {"subject": CITY, "body": "City Hall\n100 Main Street"}}
    head = letterhead_from({"LETTERHEAD_CITY": "City of Elsewhere", "LETTERHEAD_ADDRESS": "1 Main"}, "Police Department",
                           templates)
    assert (head.city, head.office, head.address_lines) == (CITY, "Police Department", ("City Hall", "100 Main Street"))
    assert letterhead_from({}, None, {}).city == ""
