"""`clerkflow open-data-settings` and `clerkflow open-data-settings set`: who approves and who publishes data sets,
and the catalog's DCAT-US publisher and codes, as on Settings → Open data (002)."""
from __future__ import annotations

import json

from city.change_log import list_changes
from engine import Database
from engine.cli import EXIT_REFUSED


def test_by_default_sacramentos_records_manager_approves_and_it_publishes(clerkflow):
    status, out, _ = clerkflow("open-data-settings")
    assert status == 0
    assert out.splitlines()[:2] == ["approver: Records Manager (Sacramento)",
                                    "publisher: IT Open Data Coordinator (Sacramento: the Department of Information "
                                    "Technology administers the portal)"]
    assert "bureauCode: 000:00; programCode: 000:000" in out


def test_kansas_citys_officer_is_chosen_an_option_left_out_is_kept_and_the_change_is_logged(clerkflow, database_url):
    status, out, _ = clerkflow("open-data-settings", "set", "--approver", "open_data_officer", "--bureau-code", "015:11")
    assert status == 0 and "approver: Open Data Officer (Kansas City)" in out
    status, out, _ = clerkflow("open-data-settings", "set", "--publisher", "open_data_officer", "--json")
    assert json.loads(out) == {"approver_role": "open_data_officer", "publisher_role": "open_data_officer",
                               "publisher_name": "", "bureau_code": "015:11", "program_code": ""}
    database = Database(database_url)
    with database.read() as session:
        assert [change.actor for change in list_changes(session, "open_data_setting")] == ["alice", "alice"]
    database.dispose()


def test_a_code_in_the_wrong_shape_is_refused_saying_what_to_give(clerkflow):
    status, _, err = clerkflow("open-data-settings", "set", "--program-code", "15")
    assert status == EXIT_REFUSED and "three digits, a colon, three digits" in err
