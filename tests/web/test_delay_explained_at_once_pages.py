"""The requester reads why access waits as soon as it does (K.S.A. 45-218(d); issue 15)."""
from __future__ import annotations

from test_prepayment_is_an_estimate_pages import filed_and_estimated
from test_release_and_messages import file_online, plain  # noqa: F401  (fixture)


def test_requester_reads_at_once_that_access_waits_for_the_prepayment(portal, client, file_online, time_machine):
    _number, status_path = filed_and_estimated(portal, file_online, time_machine, hours=2)     # 30.00

    status = plain(client.get(status_path))
    assert "We explained a delay" in status
    assert "We have asked for a prepayment of $30.00" in status and "City Clerk's Office" in status
