"""Staff-only notes on a request: comments and attachments, shown on every task of the request,
written and downloaded only by staff whose roles open the task."""
from __future__ import annotations

import hashlib
import html
import io
import logging
import re
from pathlib import Path

import pytest

from tests.web.conftest import RECEIVED_AT

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def task_page(login_as, client, review_request):
    login_as("custodian")
    return f"/inbox/tasks/{review_request.task_id}"


@pytest.fixture
def post_to_task(client, task_page, csrf_token):
    def post(action: str, data: dict | None = None, **options):
        return client.post(f"{task_page}/{action}", data={**(data or {}), "csrf_token": csrf_token(client, task_page)},
                           **options)
    return post


def attach(post_to_task, *files: tuple[bytes, str]):
    return post_to_task("attachments", {"file": [(io.BytesIO(content), name) for content, name in files]},
                        content_type="multipart/form-data")


def section(page: str, heading_id: str) -> str:
    found = re.search(rf'<section[^>]*aria-labelledby="{heading_id}".*?</section>', page, re.S)
    assert found, heading_id
    return html.unescape(found.group(0))


def test_comments_show_author_and_time_newest_last(post_to_task, client, task_page):
    assert post_to_task("comments", {"comment": "Called the requester about the date range."}).status_code == 302
    post_to_task("comments", {"comment": "Police report is with the attorney."})

    comments = section(client.get(task_page).get_data(as_text=True), "comments-heading")

    assert comments.index("Called the requester") < comments.index("Police report is with the attorney")
    assert re.findall(r"<strong>(\w+)</strong>, <time datetime=\"2\d{3}-", comments) == ["custodian", "custodian"]


def test_comment_appears_on_every_task_of_the_request(post_to_task, process_engine, review_request, app, make_staff,
                                                     csrf_token, staff_password):
    post_to_task("comments", {"comment": "Requester prefers email."})
    process_engine.complete_task(review_request.task_id, {"approved": True, "pages": 3}, actor="custodian")
    [release] = process_engine.get_instance(review_request.instance_id).open_tasks
    clerk = app.test_client()
    make_staff("clerk", "clerk")
    clerk.post("/login", data={"username": "clerk", "password": staff_password, "csrf_token": csrf_token(clerk)})
    page = clerk.get(f"/inbox/tasks/{release.task_id}").get_data(as_text=True)
    assert "Requester prefers email." in section(page, "comments-heading")


def test_comment_is_shown_as_text_never_as_markup(post_to_task, client, task_page):
    post_to_task("comments", {"comment": "<script>alert('x')</script>"})
    page = client.get(task_page).get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;" in page


def test_empty_comment_is_refused_with_a_message(post_to_task):
    response = post_to_task("comments", {"comment": "   "})
    assert response.status_code == 422
    assert "Write the comment first" in response.get_data(as_text=True)


def test_too_long_comment_is_refused_and_its_text_kept(post_to_task, client, task_page):
    long_text = "Long note. " * 600
    response = post_to_task("comments", {"comment": long_text})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "A comment may be at most 5000 characters; this one has" in page
    assert html.escape(long_text, quote=False) in page          # in the textarea, to shorten
    assert "No comments yet." in page


def test_comments_cannot_be_edited_or_deleted_through_any_address(app):
    comment_routes = [rule for rule in app.url_map.iter_rules() if "comment" in rule.rule]
    assert sorted((rule.rule, tuple(sorted(rule.methods - {"OPTIONS", "HEAD"}))) for rule in comment_routes) == [
        ("/api/tasks/<int:task_id>/comments", ("GET",)), ("/api/tasks/<int:task_id>/comments", ("POST",)),
        ("/inbox/tasks/<int:task_id>/comments", ("POST",))]     # reading and adding; no PUT, PATCH or DELETE


def test_attached_file_is_listed_with_who_when_size_and_type(post_to_task, client, task_page):
    response = attach(post_to_task, (PDF, "signed estimate.pdf"))
    assert response.status_code == 302 and response.headers["Location"].endswith("#attachments")

    attachments = section(client.get(task_page).get_data(as_text=True), "attachments-heading")

    assert "signed estimate.pdf" in attachments and "application/pdf" in attachments
    assert f"{len(PDF)} bytes" in attachments and "<td>custodian</td>" in attachments
    assert re.search(r'<td><time datetime="2\d{3}-[^"]+">', attachments)


def test_several_files_can_be_attached_at_once(post_to_task, client, task_page):
    attach(post_to_task, (PDF, "one.pdf"), (b"employee,hours\n", "hours.csv"))
    attachments = section(client.get(task_page).get_data(as_text=True), "attachments-heading")
    assert "one.pdf" in attachments and "hours.csv" in attachments


def test_attachment_downloads_with_its_name_and_type(post_to_task, client, task_page):
    attach(post_to_task, (PDF, "signed estimate.pdf"))
    link = re.search(r'href="([^"]+/attachments/\d+)"', client.get(task_page).get_data(as_text=True)).group(1)

    with client.get(link) as download:
        assert download.status_code == 200 and download.data == PDF
        assert download.mimetype == "application/pdf"
        assert download.headers["Content-Disposition"] == 'attachment; filename="signed estimate.pdf"'


def test_refused_file_attaches_nothing_and_says_why(post_to_task, client, task_page):
    response = attach(post_to_task, (PDF, "good.pdf"), (b"MZ\x90\x00", "tool.exe"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "is not a type Clerkflow keeps" in page and "Nothing was attached." in page
    assert "good.pdf" not in section(client.get(task_page).get_data(as_text=True), "attachments-heading")


def test_attaching_without_a_file_asks_for_one(post_to_task):
    response = post_to_task("attachments", {}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a file to attach first." in response.get_data(as_text=True)


def test_same_file_attached_to_two_requests_is_stored_once(app, post_to_task, process_engine, deployed, client,
                                                          csrf_token):
    attach(post_to_task, (PDF, "minutes.pdf"))
    other = process_engine.start_instance("request_shaped", {"received_at": RECEIVED_AT}, actor="tests")
    [other_task] = other.open_tasks
    other_page = f"/inbox/tasks/{other_task.task_id}"
    client.post(f"{other_page}/attachments", data={"file": (io.BytesIO(PDF), "minutes copy.pdf"),
                                                    "csrf_token": csrf_token(client, other_page)},
                content_type="multipart/form-data")

    assert "minutes copy.pdf" in client.get(other_page).get_data(as_text=True)
    stored = [path for path in (Path(app.instance_path) / "files").rglob("*") if path.is_file()]
    assert [path.name for path in stored] == [hashlib.sha256(PDF).hexdigest()]


def test_attachment_of_another_request_is_not_found_through_this_task(post_to_task, process_engine, deployed, client):
    attach(post_to_task, (PDF, "minutes.pdf"))
    other = process_engine.start_instance("request_shaped", {"received_at": RECEIVED_AT}, actor="tests")
    [other_task] = other.open_tasks
    response = client.get(f"/inbox/tasks/{other_task.task_id}/attachments/1")
    assert response.status_code == 404 and "This request has no such attachment." in response.get_data(as_text=True)


def test_staff_whose_roles_do_not_open_the_task_cannot_read_add_or_download_notes(
        post_to_task, app, review_request, make_staff, csrf_token, staff_password):
    attach(post_to_task, (PDF, "minutes.pdf"))
    clerk = app.test_client()
    make_staff("clerk", "clerk")
    clerk.post("/login", data={"username": "clerk", "password": staff_password, "csrf_token": csrf_token(clerk)})
    task_page = f"/inbox/tasks/{review_request.task_id}"
    token = csrf_token(clerk, "/inbox")
    assert clerk.get(f"{task_page}/attachments/1").status_code == 403
    assert clerk.post(f"{task_page}/comments", data={"comment": "x", "csrf_token": token}).status_code == 403
    assert clerk.post(f"{task_page}/attachments", data={"file": (io.BytesIO(PDF), "y.pdf"), "csrf_token": token},
                      content_type="multipart/form-data").status_code == 403


def test_upload_larger_than_the_limit_gets_a_plain_413_page(app, post_to_task):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = attach(post_to_task, (PDF + b" " * 4096, "huge.pdf"))
    assert response.status_code == 413
    page = response.get_data(as_text=True)
    assert "larger than Clerkflow accepts (a file may be at most 10 MB)" in page and "Traceback" not in page


def test_files_go_to_the_folder_the_configuration_names(app, post_to_task, tmp_path):
    app.config["FILES_DIR"] = str(tmp_path / "evidence")
    attach(post_to_task, (PDF, "minutes.pdf"))
    assert (tmp_path / "evidence" / hashlib.sha256(PDF).hexdigest()[:2] / hashlib.sha256(PDF).hexdigest()).is_file()


def test_comment_text_and_file_names_are_not_logged(post_to_task, caplog):
    caplog.set_level(logging.DEBUG)
    post_to_task("comments", {"comment": "Requester Jane Roe at 12 Elm St"})
    attach(post_to_task, (PDF, "jane roe medical.pdf"))
    assert "Jane Roe" not in caplog.text and "jane roe" not in caplog.text
