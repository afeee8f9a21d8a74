"""Who gave whom which role, and when: creating a staff account, changing its roles, setting a new
password, deactivating and reactivating it each leave a row in the settings change log (kind "Staff
accounts and roles"), in words, with the administrator who did it. No password is ever kept there."""
from __future__ import annotations

import html
import re

from test_admin_users import NEW_PASSWORD, account, admin_client, create  # noqa: F401  (fixtures)

PAGE = "/admin/settings/changes?kind=staff_account"


def log_rows(client) -> list[str]:
    body = client.get(PAGE).get_data(as_text=True)
    table = body[body.index("<tbody>"):body.index("</tbody>")] if "<tbody>" in body else ""
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", row)).split()) for row in table.split("<tr>")[1:]]


def test_each_change_to_a_staff_account_is_in_the_change_log_with_who_did_it(admin_client, post_form, account):
    assert create(admin_client, post_form).status_code == 302
    page = f"/admin/users/{account('tess').id}"
    post_form(admin_client, page, {"display_name": "Tess Treasurer", "email": "tess@city.example",
                                   "notify": "immediate", "roles": ["custodian:city_treasurer", "finance"]},
              token_from=page)
    post_form(admin_client, f"{page}/password", {"password": "another long pass phrase",
                                                 "password_confirm": "another long pass phrase"}, token_from=page)
    post_form(admin_client, f"{page}/deactivate", token_from=page)
    post_form(admin_client, f"{page}/reactivate", token_from=page)

    rows = log_rows(admin_client)
    said = [row.split(" admin ", 1)[1] for row in rows]
    assert [("staff account" in row or "password" in row) for row in said] == [True] * 5, rows
    assert "The staff account tess was reactivated." in said[0]
    assert "The staff account tess was deactivated." in said[1]
    assert "A new password was set for tess." in said[2]
    assert "given finance" in said[3] and "e-mail address changed" in said[3]
    assert "The staff account tess was created with custodian:city_treasurer." in said[4]
    text = admin_client.get(PAGE).get_data(as_text=True) + admin_client.get(
        "/admin/settings/changes.csv?kind=staff_account").get_data(as_text=True)
    assert NEW_PASSWORD not in text and "another long pass phrase" not in text and "tess@city.example" not in text


def test_saving_an_account_unchanged_adds_nothing_to_the_log(admin_client, post_form, account):
    create(admin_client, post_form)
    page = f"/admin/users/{account('tess').id}"
    post_form(admin_client, page, {"display_name": "Tess Treasurer", "email": "", "notify": "immediate",
                                   "roles": ["custodian:city_treasurer"]}, token_from=page)
    assert len(log_rows(admin_client)) == 1
