"""Idempotency-Key on the API's POSTs (issue 14): a client that lost the answer retries with the same key and
gets the first answer without the call running again (no second payment); the key is the account's, for one
request, and kept 24 hours."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from engine import Conflict, clock
from test_api_payments import awaiting_prepayment, city, latest, token_for  # noqa: F401  (helpers and fixtures)
from web import ENGINE_EXTENSION
from web.api.idempotency import LEASE, _body_hash
from web.models import StaffAccount, db
from web.models_api import ApiIdempotency

KEY = "3f1c9a2e-payment-R-2026-00001"


def pay(client, token, number, amount, *, key=KEY, path="/api/messages", **extra):
    headers = {"Authorization": f"Bearer {token}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(path, headers=headers, json={"name": "payment_received", "correlation": {
        "tracking_number": number}, "payload": {"amount": amount, **extra}})


@pytest.mark.parametrize("amount, status, prepaid", [("12.50", 200, "12.50"), ("1e3", 422, "0.00")])
def test_a_retry_gets_the_first_answer_and_pays_once(client, city, token_for, amount, status, prepaid):
    """A refusal is kept and given again too: the same request would be refused the same way."""
    instance_id, number = awaiting_prepayment(city)
    token = token_for("clerk")
    first = pay(client, token, number, amount)
    retry = pay(client, token, number, amount)
    assert (first.status_code, retry.status_code) == (status, status)
    assert retry.get_json() == first.get_json()
    assert retry.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert latest(city, instance_id, "prepaid") == prepaid
    assert len(latest(city, instance_id, "payments")) == (status == 200)


def test_without_a_key_a_retry_runs_again(client, city, token_for):
    instance_id, number = awaiting_prepayment(city)
    token = token_for("clerk")
    pay(client, token, number, "5.00", key=None)
    pay(client, token, number, "5.00", key=None)
    assert latest(city, instance_id, "prepaid") == "10.00"


def test_the_body_is_compared_by_its_content_not_its_spacing(client, city, token_for):
    instance_id, number = awaiting_prepayment(city)
    headers = {"Authorization": f"Bearer {token_for('clerk')}", "Idempotency-Key": KEY,
               "Content-Type": "application/json"}
    first = client.post("/api/messages", headers=headers, data=(
        '{"name": "payment_received", "correlation": {"tracking_number": "%s"}, "payload": {"amount": "5.00"}}'
        % number))
    retry = client.post("/api/messages", headers=headers, data=(
        '{"payload":{"amount":"5.00"},"correlation":{"tracking_number":"%s"},"name":"payment_received"}' % number))
    assert (first.status_code, retry.status_code) == (200, 200) and retry.headers["Idempotent-Replayed"] == "true"
    assert latest(city, instance_id, "prepaid") == "5.00"


def test_the_same_key_on_a_different_request_is_422_and_runs_nothing(client, city, token_for):
    instance_id, number = awaiting_prepayment(city)
    token = token_for("clerk")
    assert pay(client, token, number, "5.00").status_code == 200
    for different in (pay(client, token, number, "6.00"),
                      pay(client, token, number, "5.00", path="/api/tasks/1/claim")):
        assert different.status_code == 422, different.get_data(as_text=True)
        error = different.get_json()["error"]
        assert error["code"] == "idempotency_key_reused" and "Idempotency-Key" in error["fields"]
        assert "used for a different request" in error["message"]
    assert latest(city, instance_id, "prepaid") == "5.00"


def test_a_key_of_another_account_does_not_collide(client, city, token_for):
    instance_id, number = awaiting_prepayment(city)
    assert pay(client, token_for("clerk"), number, "5.00").status_code == 200
    other = pay(client, token_for("finance"), number, "5.00")
    assert other.status_code == 200 and "Idempotent-Replayed" not in other.headers
    assert latest(city, instance_id, "prepaid") == "10.00"


def test_a_key_expires_after_24_hours_and_may_be_used_again(app, client, city, token_for):
    instance_id, number = awaiting_prepayment(city)
    token = token_for("clerk")
    assert pay(client, token, number, "5.00").status_code == 200
    with app.app_context():
        db.session.execute(update(ApiIdempotency).values(created_at=clock.now() - timedelta(hours=24, minutes=1)))
        db.session.commit()
    again = pay(client, token, number, "6.00")          # a different body, and still not a reuse: it expired
    assert again.status_code == 200 and "Idempotent-Replayed" not in again.headers
    assert latest(city, instance_id, "prepaid") == "11.00"
    with app.app_context():
        assert db.session.query(ApiIdempotency).count() == 1


def test_a_retry_while_the_first_request_runs_is_409_in_progress(app, client, city, token_for):
    """The first request holds its key (a row without an answer yet) before it runs."""
    instance_id, number = awaiting_prepayment(city)
    token = token_for("clerk", username="cashier")
    earlier_request_of(app, "cashier", number, held_for=LEASE - timedelta(seconds=5))
    response = pay(client, token, number, "5.00")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "idempotency_key_in_progress"
    assert "in progress" in response.get_json()["error"]["message"]
    assert not latest(city, instance_id, "payments")


def test_a_key_whose_request_died_before_its_commit_is_taken_over_and_pays_once(app, client, city, token_for):
    """The server was killed while the first request ran: nothing was paid, and the retry pays."""
    instance_id, number = awaiting_prepayment(city)
    token = token_for("clerk", username="cashier")
    earlier_request_of(app, "cashier", number, held_for=LEASE + timedelta(seconds=1))
    retry = pay(client, token, number, "5.00")
    assert retry.status_code == 200, retry.get_data(as_text=True)
    assert "Idempotent-Replayed" not in retry.headers
    assert latest(city, instance_id, "prepaid") == "5.00"
    again = pay(client, token, number, "5.00")
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert latest(city, instance_id, "prepaid") == "5.00"


def test_a_request_that_died_after_its_commit_is_never_carried_out_again(app, client, city, token_for):
    """The payment was recorded, then the server died before answering: the retry is told so, and pays nothing."""
    instance_id, number = awaiting_prepayment(city)
    token = token_for("clerk", username="cashier")
    earlier_request_of(app, "cashier", number, held_for=timedelta(hours=1), applied=True)
    retry = pay(client, token, number, "5.00")
    assert retry.status_code == 409
    error = retry.get_json()["error"]
    assert error["code"] == "idempotency_key_answer_lost"
    assert "will not be carried out again" in error["message"]
    assert not latest(city, instance_id, "payments")


def test_a_request_whose_answer_failed_after_paying_is_not_paid_again_by_its_retry(app, client, city, token_for,
                                                                                     monkeypatch):
    instance_id, number = awaiting_prepayment(city)
    token = token_for("clerk")
    monkeypatch.setattr("web.api.views.jsonify", _broken_jsonify)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert pay(client, token, number, "5.00").status_code == 500
    monkeypatch.undo()
    retry = pay(client, token, number, "5.00")
    assert retry.status_code == 409 and retry.get_json()["error"]["code"] == "idempotency_key_answer_lost"
    assert latest(city, instance_id, "prepaid") == "5.00"


def test_a_slow_request_whose_key_a_retry_took_over_changes_nothing(app, client, city, token_for, monkeypatch):
    """The first request was not dead, only slow: when it comes to commit, the key is no longer its own."""
    instance_id, number = awaiting_prepayment(city)
    token = token_for("clerk")
    engine = app.extensions[ENGINE_EXTENSION]
    deliver = engine.deliver_message

    def taken_over_meanwhile(*args, **kwargs):
        with app.app_context():
            db.session.execute(update(ApiIdempotency).values(holder="the retry's"))
            db.session.commit()
        return deliver(*args, **kwargs)

    monkeypatch.setattr(engine, "deliver_message", taken_over_meanwhile)
    slow = pay(client, token, number, "5.00")
    assert slow.status_code == 409 and slow.get_json()["error"]["code"] == "conflict"
    assert "took it over" in slow.get_json()["error"]["message"]
    assert not latest(city, instance_id, "payments")


def test_a_request_that_lost_a_race_is_not_kept_and_its_retry_pays(app, client, city, token_for, monkeypatch):
    """409 "someone changed it at the same moment" did nothing; the retry with the same key is carried out."""
    instance_id, number = awaiting_prepayment(city)
    token = token_for("clerk")
    engine = app.extensions[ENGINE_EXTENSION]

    def lost_a_race(*args, **kwargs):
        raise Conflict("Someone else changed this instance at the same moment; reload and try again.")

    monkeypatch.setattr(engine, "deliver_message", lost_a_race)
    assert pay(client, token, number, "5.00").status_code == 409
    monkeypatch.undo()
    retry = pay(client, token, number, "5.00")
    assert retry.status_code == 200 and "Idempotent-Replayed" not in retry.headers
    assert latest(city, instance_id, "prepaid") == "5.00"


def test_the_mark_that_a_request_was_carried_out_commits_with_its_effect(app, client, city, token_for):
    """Both ways a request writes: through the engine (a payment) and the web's own session (a comment)."""
    instance_id, number = awaiting_prepayment(city)
    token = token_for("clerk", "custodian:city_clerk")
    refused = pay(client, token, number, "-5.00", key="refused")
    assert refused.status_code == 422
    assert pay(client, token, number, "5.00", key="paid").status_code == 200
    task = city.list_tasks(instance_id=instance_id, status="completed")[0]
    comment = client.post(f"/api/tasks/{task.task_id}/comments", json={"text": "Paid at the counter."},
                          headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "commented"})
    assert comment.status_code == 201, comment.get_data(as_text=True)
    with app.app_context():
        applied = dict(db.session.execute(db.select(ApiIdempotency.idempotency_key,
                                                    ApiIdempotency.applied_at)).all())
    assert applied["refused"] is None
    assert applied["paid"] is not None and applied["commented"] is not None


def earlier_request_of(app, username: str, number: str, *, held_for: timedelta, applied: bool = False) -> None:
    """The row an earlier pay(..., "5.00") with KEY left, held for `held_for` and without an answer."""
    now = clock.now()
    with app.app_context():
        account = db.session.scalars(db.select(StaffAccount).where(StaffAccount.username == username)).one()
        db.session.execute(insert(ApiIdempotency).values(
            account_id=account.id, idempotency_key=KEY, method="POST", path="/api/messages",
            body_hash=_hash_of(app, number), created_at=now - held_for, holder="earlier",
            applied_at=now - held_for if applied else None))
        db.session.commit()


def _broken_jsonify(*args, **kwargs):
    raise RuntimeError("the answer could not be written")


def _hash_of(app, number) -> str:
    """The body hash of pay(..., "5.00"), as the API computes it."""
    body = {"name": "payment_received", "correlation": {"tracking_number": number}, "payload": {"amount": "5.00"}}
    with app.test_request_context("/api/messages", method="POST", json=body):
        return _body_hash()


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there", "é-accented"])
def test_a_malformed_key_is_400_and_runs_nothing(client, city, token_for, key):
    instance_id, number = awaiting_prepayment(city)
    response = client.post("/api/messages", headers={"Authorization": f"Bearer {token_for('clerk')}",
                                                     "Idempotency-Key": key.encode("utf-8").decode("latin-1")},
                           json={"name": "payment_received", "correlation": {"tracking_number": number},
                                 "payload": {"amount": "5.00"}})
    assert response.status_code == 400 and "Idempotency-Key" in response.get_json()["error"]["fields"]
    assert not latest(city, instance_id, "payments")


def test_every_post_takes_a_key(client, city, token_for):
    """Not only messages: a claim retried with its key answers as the first did."""
    token = token_for("clerk")
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "claim-once"}
    first = client.post("/api/tasks/999999/claim", headers=headers)
    again = client.post("/api/tasks/999999/claim", headers=headers)
    assert first.status_code == again.status_code == 404 and again.headers["Idempotent-Replayed"] == "true"
