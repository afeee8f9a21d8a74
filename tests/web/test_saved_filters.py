"""Saved filters: a person names the inbox view they are looking at and finds it above the inbox."""
from __future__ import annotations

import html
import re

import pytest


def saved_links(page: str) -> dict[str, str]:
    """Saved filter name -> its address, as the links above the inbox show them."""
    nav = re.search(r'<nav class="filters saved-filters".*?</nav>', page, re.S)
    if nav is None:
        return {}
    return {html.unescape(name): html.unescape(href)
            for href, name in re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(0))}


def save(client, post_form, name: str, query: str, **options):
    return post_form(client, "/inbox/saved-filters", {"name": name, "query": query}, **options)


def test_person_saves_the_current_filter_and_finds_it_above_the_inbox(login_as, client, post_form):
    login_as("custodian")
    page = client.get("/inbox?due=overdue&office=police").get_data(as_text=True)
    assert '<label for="saved-filter-name">Save these filters as</label>' in page
    assert 'name="query" value="due=overdue&amp;office=police"' in page
    response = save(client, post_form, "  Police,   overdue ", "due=overdue&office=police", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Saved the filter &#34;Police, overdue&#34;." in page
    assert saved_links(page) == {"Police, overdue": "/inbox?due=overdue&office=police"}
    assert 'aria-current="page">Police, overdue</a>' in page      # it is the view being shown
    assert saved_links(client.get("/inbox").get_data(as_text=True)) == {
        "Police, overdue": "/inbox?due=overdue&office=police"}


def test_saving_again_under_the_same_name_replaces_the_filter(login_as, client, post_form):
    login_as("custodian")
    save(client, post_form, "Mine", "mine=1")
    save(client, post_form, "mine", "mine=1&due=today")
    assert saved_links(client.get("/inbox").get_data(as_text=True)) == {"mine": "/inbox?due=today&mine=1"}


def test_a_saved_filter_keeps_only_what_the_inbox_understands(login_as, client, post_form):
    login_as("custodian")
    save(client, post_form, "Odd", "due=overdue&office=../../etc&page=4&admin=1&sort=nonsense")
    assert saved_links(client.get("/inbox").get_data(as_text=True)) == {"Odd": "/inbox?due=overdue"}


@pytest.mark.parametrize("name, query, message", [
    ("", "due=overdue", "Name the filter to save it"),
    ("x" * 61, "due=overdue", "at most 60 characters"),
    ("Everything", "", "Choose some filters first"),
])
def test_saving_needs_a_name_and_some_filters(login_as, client, post_form, name, query, message):
    login_as("custodian")
    response = save(client, post_form, name, query, follow_redirects=True)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert saved_links(response.get_data(as_text=True)) == {}


def test_deleting_a_saved_filter_removes_its_link(login_as, client, post_form):
    login_as("custodian")
    save(client, post_form, "Overdue", "due=overdue")
    save(client, post_form, "Today", "due=today")
    page = client.get("/inbox").get_data(as_text=True)
    [overdue_id] = re.findall(r'action="/inbox/saved-filters/(\d+)/delete"[^<]*\s*<input[^>]*>\s*<button[^>]*>Delete'
                              r'<span class="visually-hidden"> saved filter Overdue</span>', page)
    response = post_form(client, f"/inbox/saved-filters/{overdue_id}/delete", follow_redirects=True)
    assert "The saved filter is deleted." in response.get_data(as_text=True)
    assert set(saved_links(response.get_data(as_text=True))) == {"Today"}


def test_saved_filters_are_private_to_the_person(app, login_as, client, post_form, make_staff, csrf_token,
                                                 staff_password):
    login_as("custodian", username="ann")
    save(client, post_form, "Ann's overdue", "due=overdue")
    [filter_id] = re.findall(r"/inbox/saved-filters/(\d+)/delete", client.get("/inbox").get_data(as_text=True))
    other = app.test_client()
    make_staff("bob", "custodian")
    other.post("/login", data={"username": "bob", "password": staff_password, "csrf_token": csrf_token(other)})
    assert saved_links(other.get("/inbox").get_data(as_text=True)) == {}
    response = other.post(f"/inbox/saved-filters/{filter_id}/delete", data={"csrf_token": csrf_token(other, "/inbox")})
    assert response.status_code == 404
    assert saved_links(client.get("/inbox").get_data(as_text=True)) == {"Ann's overdue": "/inbox?due=overdue"}


def test_saving_a_filter_needs_the_csrf_token(login_as, client):
    login_as("custodian")
    response = client.post("/inbox/saved-filters", data={"name": "Overdue", "query": "due=overdue"})
    assert response.status_code == 400
    assert saved_links(client.get("/inbox").get_data(as_text=True)) == {}
