"""Settings → Open data: where the two cities' texts differ, an administrator chooses (002; SPEC.md section 2).

Who approves data sets and decides reports (Sacramento's Records Manager, or Kansas City's Open Data Officer), who
catalogues and publishes (Sacramento's IT Open Data Coordinator, or Kansas City's Open Data Officer), and the
catalog's DCAT-US publisher name, bureauCode and programCode, which `/data.json` gives.
"""
from __future__ import annotations

import pytest

from city.open_data.settings import read_open_data_settings
from test_dataset_report_pages import permits  # noqa: F401  (a fixture)
from test_open_data_catalog_pages import (  # noqa: F401  (catalog: a fixture)
    DCAT_US_SCHEMAS, catalog, test_the_served_data_json_validates_against_the_official_dcat_us_schema as validates)
from web.models import db

PAGE = "/admin/settings/open-data"
KANSAS_CITY = {"approver_role": "open_data_officer", "publisher_role": "open_data_officer",
               "publisher_name": "City of Kansas City, Missouri", "bureau_code": "015:11", "program_code": "015:001"}


def save(client, csrf_token, **values):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), **KANSAS_CITY, **values})


def test_by_default_the_page_shows_sacramentos_choices_and_says_running_cases_keep_theirs(client, login_as):
    login_as("administrator")
    page = client.get(PAGE).get_data(as_text=True)
    assert 'value="records_manager" checked' in page and 'value="it_open_data_coordinator" checked' in page
    assert "Records Manager (Sacramento)" in page and "Open Data Officer (Kansas City)" in page
    assert "Running cases keep theirs:" in page
    assert 'href="/admin/settings/open-data"' in client.get("/admin/settings").get_data(as_text=True)


@pytest.mark.parametrize("role", ["records_manager", "open_data_officer", "it_open_data_coordinator", "city_clerk"])
def test_only_administrators_open_or_change_the_open_data_settings(client, login_as, csrf_token, role):
    login_as(role)
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data={"csrf_token": csrf_token(client, "/inbox/"), **KANSAS_CITY}).status_code == 403


def test_a_change_without_the_forms_csrf_token_is_refused(client, login_as, app):
    login_as("administrator")
    assert client.post(PAGE, data=KANSAS_CITY).status_code == 400
    with app.app_context():
        assert read_open_data_settings(db.session).approver_role == "records_manager"


def test_an_administrator_chooses_kansas_city_and_the_change_log_says_so(client, login_as, csrf_token, app):
    login_as("administrator")
    answer = save(client, csrf_token)
    assert answer.status_code == 302
    page = client.get(PAGE).get_data(as_text=True)
    assert "running cases keep the roles they started with" in page
    assert 'value="open_data_officer" checked' in page and "City of Kansas City, Missouri" in page
    with app.app_context():
        assert read_open_data_settings(db.session).publisher_role == "open_data_officer"
    log = " ".join(client.get("/admin/settings/changes?kind=open_data_setting").get_data(as_text=True).split())
    assert ("who approves data sets and decides reports “Records Manager (Sacramento)” → “Open Data Officer "
            "(Kansas City)”") in log
    assert "bureauCode “not set” → “015:11”" in log


@pytest.mark.parametrize("field, typed, said", [
    ("approver_role", "city_clerk", "Choose who approves data sets"),
    ("publisher_role", "", "Choose who catalogues and publishes"),
    ("bureau_code", "15", "is not a bureau code: three digits, a colon, two digits"),
    ("program_code", "015-001", "is not a program code: three digits, a colon, three digits"),
])
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(client, login_as, csrf_token, app, field, typed,
                                                                      said):
    login_as("administrator")
    answer = save(client, csrf_token, **{field: typed})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and said in page and f'id="{field}-error"' in page.replace("field-", "")
    with app.app_context():
        assert read_open_data_settings(db.session).approver_role == "records_manager"


def test_data_json_names_the_publisher_and_codes_of_the_setting(client, login_as, csrf_token, catalog):
    before = client.get("/data.json").get_json()["dataset"]
    assert {dataset["publisher"]["name"] for dataset in before} == {"City Clerk", "Planning"}   # each department
    assert {(dataset["bureauCode"][0], dataset["programCode"][0]) for dataset in before} == {("000:00", "000:000")}
    login_as("administrator")
    save(client, csrf_token)
    after = client.get("/data.json").get_json()["dataset"]
    assert {dataset["publisher"]["name"] for dataset in after} == {"City of Kansas City, Missouri"}
    assert {(dataset["bureauCode"][0], dataset["programCode"][0]) for dataset in after} == {("015:11", "015:001")}


@pytest.mark.skipif(not DCAT_US_SCHEMAS.is_dir(), reason=f"the official DCAT-US 1.1 JSON Schema is not at "
                                                        f"{DCAT_US_SCHEMAS}; data.json was not validated against it")
def test_data_json_with_the_settings_still_validates_against_the_official_dcat_us_schema(client, login_as,
                                                                                        csrf_token, catalog):
    login_as("administrator")
    save(client, csrf_token)
    validates(client, catalog)


def test_the_environment_overrides_the_catalogs_codes_and_the_page_shows_them_read_only(client, login_as,
                                                                                       csrf_token, app, catalog):
    app.config["OPEN_DATA_BUREAU_CODE"] = "020:00"
    login_as("administrator")
    page = client.get(PAGE).get_data(as_text=True)
    assert "020:00 (set in the environment" in page and 'name="bureau_code"' not in page
    save(client, csrf_token)
    dataset = client.get("/data.json").get_json()["dataset"][0]
    assert (dataset["bureauCode"], dataset["programCode"]) == (["020:00"], ["015:001"])


def test_under_kansas_citys_choice_a_report_goes_to_the_open_data_officer_in_the_pages_words(
        client, login_as, csrf_token, permits):
    from test_dataset_report_pages import send, status_path

    assert "report it to the Records Manager" in client.get("/data/building-permits").get_data(as_text=True)
    send(client, csrf_token, submission_id="report-form-0000000001")
    before = status_path(client)
    login_as("administrator")
    save(client, csrf_token)
    client.post("/logout", data={"csrf_token": csrf_token(client, PAGE)})
    assert "report it to the Open Data Officer" in client.get("/data/building-permits").get_data(as_text=True)
    send(client, csrf_token, submission_id="report-form-0000000002")
    assert "The Open Data Officer will promptly" in client.get("/data/reports/received").get_data(as_text=True)
    after = status_path(client)
    assert "With the Open Data Officer" in client.get(after).get_data(as_text=True)
    assert "With the Records Manager" in client.get(before).get_data(as_text=True)     # it keeps its role
