"""The top bar offers each person the pages their roles open, and no page that would refuse them."""
from __future__ import annotations

import re

import pytest

from web.access import ROLES

NAV = re.compile(r'<nav aria-label="Main">(.*?)</nav>', re.S)
LINK = re.compile(r'<a href="([^"]+)"[^>]*>([^<]+)</a>')


def top_bar(client) -> dict[str, str]:
    page = client.get("/inbox").get_data(as_text=True)
    return {label: href for href, label in LINK.findall(NAV.search(page).group(1))}


@pytest.mark.parametrize("role", ROLES)
def test_every_link_in_the_top_bar_opens_for_the_person_offered_it(app, login_as, role):
    client = login_as(role, username=f"{role}-person")
    links = top_bar(client)
    assert {"Inbox", "My notifications"} <= set(links)
    for label, href in links.items():
        assert client.get(href).status_code == 200, (role, label, href)


def test_each_role_sees_the_pages_of_its_work(login_as, client):
    expected = {
        "clerk": {"Inbox", "Enter a request", "Handed out free", "Enter a privacy complaint", "Record a payment",
                  "My notifications"},
        "analyst": {"Inbox", "Dashboard", "Instances", "Processes", "Modeler", "My notifications"},
        "administrator": {"Inbox", "Enter a request", "Handed out free", "Enter a privacy complaint",
                          "Send a data set for review", "Open data plans",
                          "Open data catalog", "Compliance reports", "Record a payment", "Dashboard", "Instances",
                          "Processes", "Modeler", "Settings", "Staff", "My notifications"},
        "open_data_officer": {"Inbox", "Open data plans", "Open data catalog", "Compliance reports", "My notifications"},
        "open_data_liaison": {"Inbox", "Send a data set for review", "Open data plan", "Compliance reports",
                              "My notifications"},
        "city_manager": {"Inbox", "Compliance reports", "My notifications"},
        "city_attorney": {"Inbox", "My notifications"},
        "city_clerk": {"Inbox", "Enter a request", "Handed out free", "Enter a privacy complaint", "Record a payment",
                       "Dashboard",
                       "Cash floats", "My notifications"},
    }
    for role, labels in expected.items():
        login_as(role, username=f"{role}-1")
        assert set(top_bar(client)) == labels, role
        client.post("/logout", data={"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                                             client.get("/inbox").get_data(as_text=True)).group(1)})


def test_the_page_shown_is_marked_current(login_as):
    client = login_as("administrator")
    page = client.get("/admin/settings").get_data(as_text=True)
    assert re.search(r'<a href="/admin/settings" aria-current="page">Settings</a>', page)
