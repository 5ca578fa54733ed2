"""Parallel guesses: every attempt is counted before its password is tried, atomically, so 300
guesses sent at once get no more than the limit tried — at one username from 300 addresses, or
from one address at 300 usernames."""

import threading
import time

import pytest
from django.test import RequestFactory

from portal.accounts import login_throttle
from portal.accounts.login_throttle import LoginThrottled, attempt_failed, begin_attempt

GUESSES = 300
LIMIT = 5


@pytest.fixture(autouse=True)
def limits(settings, monkeypatch):
    settings.BERTH_LOGIN_MAX_FAILURES = LIMIT
    settings.BERTH_LOGIN_LOCKOUT_SECONDS = 900
    settings.BERTH_LOGIN_MAX_DELAY_SECONDS = 60
    # Refusals are audited; here, off the database (these threads have no test database to write to).
    monkeypatch.setattr(login_throttle, "record", lambda *args, **kwargs: None)


def guess_at_once(attempts: list[tuple[str, str]]) -> int:
    """Sends every (address, username) guess at the same moment, each as the login page does:
    begin, try the password (wrong, after a while as a password hash takes), fail. The number tried."""
    start = threading.Barrier(len(attempts))
    tried = []

    def guess(ip: str, username: str) -> None:
        request = RequestFactory().post("/login/", REMOTE_ADDR=ip)
        start.wait()
        try:
            begin_attempt(request, username)
        except LoginThrottled:
            return
        tried.append(username)
        time.sleep(0.05)  # checking the password
        attempt_failed(request, username)

    threads = [threading.Thread(target=guess, args=attempt) for attempt in attempts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return len(tried)


def test_300_parallel_guesses_at_one_username_from_300_addresses_get_no_more_than_the_limit_tried():
    assert guess_at_once([(f"10.1.{n // 250}.{n % 250}", "ada") for n in range(GUESSES)]) <= LIMIT


def test_300_parallel_guesses_from_one_address_get_no_more_than_the_limit_tried():
    assert guess_at_once([("10.6.6.6", f"user{n}") for n in range(GUESSES)]) <= LIMIT


def test_300_parallel_guesses_at_one_username_from_one_address_get_no_more_than_the_limit_tried():
    assert guess_at_once([("10.6.6.7", "ada")] * GUESSES) <= LIMIT
