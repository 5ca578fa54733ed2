"""Login throttling: after too many failed logins for a username or from an address, the login page
and POST /api/v1/auth/token/ refuse every attempt for a while, and say for how long."""

import time

import pytest
from django.test import Client
from rest_framework.test import APIClient

from portal.audit.models import AuditEvent
from tests.portal.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

LOGIN_URL = "/login/"
TOKEN_URL = "/api/v1/auth/token/"
LOCKED = "Too many failed logins. Try again in 15 minutes."


@pytest.fixture(autouse=True)
def limits(settings):
    settings.BERTH_LOGIN_MAX_FAILURES = 5
    settings.BERTH_LOGIN_LOCKOUT_SECONDS = 900


@pytest.fixture
def clock(monkeypatch):
    """Wall-clock time that only moves when told to (the cache's expiry reads it too)."""

    class Clock:
        now = time.time()

        def advance(self, seconds: float) -> None:
            self.now += seconds

    clock = Clock()
    monkeypatch.setattr(time, "time", lambda: clock.now)
    return clock


@pytest.fixture
def ada():
    return make_user("ada")


def log_in(username: str, password: str, ip: str = "10.0.0.1"):
    return Client(REMOTE_ADDR=ip).post(LOGIN_URL, {"username": username, "password": password})


def get_token(username: str, password: str, ip: str = "10.0.0.1"):
    return APIClient(REMOTE_ADDR=ip).post(TOKEN_URL, {"username": username, "password": password}, format="json")


def logged_in(response) -> bool:
    return response.status_code == 302


def fail(times: int, username: str = "ada", ip: str = "10.0.0.1") -> None:
    for _ in range(times):
        response = log_in(username, "wrong password", ip)
        assert response.status_code == 200
        assert LOCKED not in response.content.decode()


# --- the login page ----------------------------------------------------------------------------


def test_given_four_failures_when_the_right_password_comes_then_the_user_logs_in(ada, clock):
    fail(4)

    assert logged_in(log_in("ada", PASSWORD))


def test_given_five_failures_when_trying_again_then_even_the_right_password_is_refused(ada, clock):
    fail(5)

    response = log_in("ada", PASSWORD)

    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert LOCKED in response.content.decode()
    assert '<div class="alert alert-danger" role="alert" id="login-error">' in response.content.decode()
    assert "_auth_user_id" not in response.wsgi_request.session


def test_a_refused_attempt_is_audited_as_denied_and_its_password_is_not_tried(ada, clock):
    fail(5)

    log_in("ada", "another guess", ip="10.0.0.1")

    attempts = list(AuditEvent.objects.filter(action="login").values_list("outcome", "username", "detail"))
    assert attempts[0] == ("denied", "ada", {"username": "ada", "reason": "too many failed logins"})
    assert [outcome for outcome, _, _ in attempts[1:]] == ["failure"] * 5


def test_the_message_counts_down_the_minutes_left(ada, clock):
    fail(5)

    clock.advance(10 * 60)
    assert "Try again in 5 minutes." in log_in("ada", PASSWORD).content.decode()
    clock.advance(4 * 60 + 30)
    assert "Try again in 1 minute." in log_in("ada", PASSWORD).content.decode()


def test_the_lockout_ends_after_its_time(ada, clock):
    fail(5)
    clock.advance(899)
    assert not logged_in(log_in("ada", PASSWORD))

    clock.advance(2)

    assert logged_in(log_in("ada", PASSWORD))


def test_failures_spread_wider_than_the_window_do_not_lock(ada, clock):
    fail(4)
    clock.advance(901)
    fail(4)

    assert logged_in(log_in("ada", PASSWORD))


def test_a_successful_login_clears_the_usernames_count(ada, clock):
    fail(4)
    assert logged_in(log_in("ada", PASSWORD))

    fail(4, ip="10.0.0.2")  # (another address: the first one's count is not cleared by a login)

    assert logged_in(log_in("ada", PASSWORD, ip="10.0.0.2"))


def test_a_username_guessed_from_many_addresses_slows_down_instead_of_locking_its_owner_out(ada, clock):
    for number in range(5):
        fail(1, ip=f"10.0.1.{number}")

    refused = log_in("ada", PASSWORD, ip="10.0.2.1")

    assert refused.status_code == 429 and refused["Retry-After"] == "1"
    assert "Too many failed logins for this username. Try again in 1 second." in refused.content.decode()
    make_user("bob")
    assert logged_in(log_in("bob", PASSWORD, ip="10.0.1.1"))
    clock.advance(1)
    assert logged_in(log_in("ada", PASSWORD, ip="10.0.2.1"))  # seconds later, not 15 minutes


def test_the_wait_of_a_username_under_attack_doubles_up_to_the_most_set(ada, clock, settings):
    settings.BERTH_LOGIN_MAX_DELAY_SECONDS = 10
    for number in range(5):
        fail(1, ip=f"10.0.1.{number}")
    waits = []
    for number in range(6):
        refused = log_in("ada", "guess", ip=f"10.0.3.{number}")
        waits.append(int(refused["Retry-After"]))
        clock.advance(waits[-1])
        assert log_in("ada", "guess", ip=f"10.0.4.{number}").status_code == 200  # tried, and wrong

    assert waits == [1, 2, 4, 8, 10, 10]
    assert log_in("ada", PASSWORD, ip="10.0.5.1").status_code == 429
    clock.advance(10)
    assert logged_in(log_in("ada", PASSWORD, ip="10.0.5.1"))


def test_a_change_of_case_does_not_start_a_fresh_count(ada, clock):
    fail(3, username="ada")
    fail(2, username="ADA")

    assert log_in("ada", PASSWORD).status_code == 429


def test_an_address_is_locked_whatever_usernames_it_guesses(ada, clock):
    for name in ("root", "admin", "ops", "deploy", "backup"):
        fail(1, username=name, ip="10.6.6.6")

    assert log_in("ada", PASSWORD, ip="10.6.6.6").status_code == 429
    assert logged_in(log_in("ada", PASSWORD, ip="10.0.0.9"))


def test_the_limit_comes_from_the_settings(ada, clock, settings):
    settings.BERTH_LOGIN_MAX_FAILURES = 2
    settings.BERTH_LOGIN_LOCKOUT_SECONDS = 60
    fail(2)

    response = log_in("ada", PASSWORD)

    assert response.status_code == 429
    assert "Try again in 1 minute." in response.content.decode()
    clock.advance(61)
    assert logged_in(log_in("ada", PASSWORD))


# --- the token API -------------------------------------------------------------------------------


def test_given_five_failed_token_requests_the_next_is_a_429_with_retry_after(ada, clock):
    for _ in range(5):
        assert get_token("ada", "wrong").status_code == 400

    response = get_token("ada", PASSWORD)

    assert response.status_code == 429
    assert response.json() == {"detail": LOCKED, "code": "throttled"}
    assert response["Retry-After"] == "900"
    assert AuditEvent.objects.filter(action="login", outcome="denied", username="ada").count() == 1
    assert not AuditEvent.objects.filter(action="token.create").exists()


def test_the_page_and_the_api_share_one_count(ada, clock):
    fail(3)
    get_token("ada", "wrong")
    get_token("ada", "wrong")

    assert get_token("ada", PASSWORD).status_code == 429
    assert log_in("ada", PASSWORD).status_code == 429


def test_a_token_obtained_clears_the_usernames_count(ada, clock):
    fail(4)
    assert get_token("ada", PASSWORD).status_code == 201

    fail(4, ip="10.0.0.2")

    assert get_token("ada", PASSWORD, ip="10.0.0.2").status_code == 201


def test_the_api_lockout_ends_after_its_time(ada, clock):
    fail(5)
    assert get_token("ada", PASSWORD).status_code == 429

    clock.advance(900)

    assert get_token("ada", PASSWORD).status_code == 201
