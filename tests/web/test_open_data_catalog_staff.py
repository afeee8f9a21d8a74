"""The catalog's staff page (web/admin/open_data_catalog.py): a data set that appeared without approval stays
off the public catalog until the Open Data Officer or an administrator vets it (Sacramento, Enforcement), and
a published one is withdrawn only with a reason, which its public history does not lose."""
from __future__ import annotations

import pytest

from test_open_data_catalog_pages import PERMITS_CSV, publish, titles


@pytest.fixture
def unvetted(app):
    return publish(app, title="Parking citations", department="Police", topic="Public safety", approved_in=None,
                   files=[(b"ticket,fine\nT-1,25\n", "citations.csv", "raw")])


def test_the_open_data_officer_vets_a_data_set_that_appeared_without_approval(app, client, login_as, post_form,
                                                                               unvetted):
    login_as("open_data_officer")
    page = client.get("/admin/open-data").get_data(as_text=True)
    assert "Parking citations" in page and "not approved" in page and 'href="/admin/open-data"' in page
    assert client.get("/data/parking-citations").status_code == 404
    response = post_form(client, "/admin/open-data/parking-citations/vet", token_from="/admin/open-data")
    assert response.status_code == 302
    assert client.get("/data/parking-citations").status_code == 200
    assert "vetted by open_data_officer" in client.get("/admin/open-data").get_data(as_text=True)


def test_withdrawing_needs_a_reason_and_takes_the_data_set_off_the_public_catalog(app, client, login_as, post_form):
    publish(app, title="Building permits", department="Planning", topic="Housing",
            files=[(PERMITS_CSV, "permits.csv", "raw")])
    login_as("administrator")
    refused = post_form(client, "/admin/open-data/building-permits/withdraw", {"reason": "  "},
                        token_from="/admin/open-data")
    assert refused.status_code == 400
    assert "Say why the data set is withdrawn" in refused.get_data(as_text=True)
    assert titles(client.get("/data")) == ["Building permits"]
    withdrawn = post_form(client, "/admin/open-data/building-permits/withdraw",
                          {"reason": "The wards were numbered before the 2026 redistricting."},
                          token_from="/admin/open-data")
    assert withdrawn.status_code == 302 and titles(client.get("/data")) == []
    assert "The wards were numbered before the 2026 redistricting." in client.get("/admin/open-data").get_data(
        as_text=True)


def test_an_unknown_data_set_is_not_found_and_a_published_one_is_not_vetted_again(app, client, login_as,
                                                                                  post_form, unvetted):
    login_as("open_data_officer")
    assert post_form(client, "/admin/open-data/no-such-data-set/vet", token_from="/admin/open-data").status_code == 404
    assert post_form(client, "/admin/open-data/no-such-data-set/withdraw", {"reason": "x"},
                     token_from="/admin/open-data").status_code == 404
    post_form(client, "/admin/open-data/parking-citations/vet", token_from="/admin/open-data")
    again = post_form(client, "/admin/open-data/parking-citations/vet", token_from="/admin/open-data",
                      follow_redirects=True)
    assert "is published; only a withdrawn data set is vetted" in again.get_data(as_text=True)


def test_the_open_data_officer_withdraws_an_earlier_version_with_a_reason(app, client, login_as, post_form):
    publish(app, title="Building permits", department="Planning", topic="Housing",
            files=[(PERMITS_CSV, "permits.csv", "raw")])
    publish(app, title="Building permits", department="Planning", topic="Housing",
            files=[(b"permit,issued\nB-1,2026-10-01\n", "permits.csv", "raw")])
    login_as("open_data_officer")
    page = client.get("/admin/open-data").get_data(as_text=True)
    assert "current: 2" in page and '<option value="1">Version 1</option>' in page
    assert '<option value="2">' not in page
    refused = post_form(client, "/admin/open-data/building-permits/versions/withdraw", {"version": "1", "reason": ""},
                        token_from="/admin/open-data")
    assert refused.status_code == 400 and "Say why the version is withdrawn" in refused.get_data(as_text=True)
    done = post_form(client, "/admin/open-data/building-permits/versions/withdraw",
                     {"version": "1", "reason": "It gave the applicants' telephone numbers."},
                     token_from="/admin/open-data", follow_redirects=True)
    assert "Version 1 of &#34;Building permits&#34; is withdrawn" in done.get_data(as_text=True) \
        or "Version 1 of &quot;Building permits&quot; is withdrawn" in done.get_data(as_text=True)
    assert "withdrawn: 1" in done.get_data(as_text=True)
    public = client.get("/data/building-permits").get_data(as_text=True)
    assert "It gave the applicants&#39; telephone numbers." in public


def test_the_current_version_cannot_be_withdrawn_alone_from_the_staff_page(app, client, login_as, post_form):
    publish(app, title="Building permits", department="Planning", topic="Housing",
            files=[(PERMITS_CSV, "permits.csv", "raw")])
    login_as("administrator")
    refused = post_form(client, "/admin/open-data/building-permits/versions/withdraw",
                        {"version": "1", "reason": "Protected data."}, token_from="/admin/open-data")
    assert refused.status_code == 400
    assert "cannot be withdrawn alone: publish a corrected version first, or remove the data set" in \
        refused.get_data(as_text=True)
    assert client.get("/data/building-permits").status_code == 200


def test_only_the_open_data_officer_and_administrators_withdraw_a_version(app, client, login_as, post_form):
    publish(app, title="Building permits", department="Planning", topic="Housing",
            files=[(PERMITS_CSV, "permits.csv", "raw")])
    login_as("records_manager")
    response = post_form(client, "/admin/open-data/building-permits/versions/withdraw",
                         {"version": "1", "reason": "x"})
    assert response.status_code == 403
