"""/api/v1/users/: accounts, managed by admins of every host; passwords go in, never out."""

import json

import pytest
from django.contrib.auth import get_user_model

from portal.audit.models import AuditEvent
from tests.portal.factories import PASSWORD, make_superuser, make_team, make_user
from tests.portal.teams.people import api_as, make_admin_of, make_admin_of_all_hosts

pytestmark = pytest.mark.django_db

User = get_user_model()
USERS_URL = "/api/v1/users/"
NEW_PASSWORD = "a brand new passphrase"


def user_url(user) -> str:
    return f"{USERS_URL}{user.pk}/"


# --- without permission ----------------------------------------------------------------------


def test_without_credentials_users_are_a_401(api):
    assert api.get(USERS_URL).status_code == 401


@pytest.mark.parametrize("who", ["plain user", "admin of one host"])
def test_who_may_not_manage_users_sees_no_user_and_changes_none(web_1, who):
    ada = make_user("ada")
    client = api_as(make_user() if who == "plain user" else make_admin_of(web_1))

    assert client.get(USERS_URL).json()["count"] == 0
    assert client.get(user_url(ada)).status_code == 404
    assert client.patch(user_url(ada), {"is_active": False}, format="json").status_code == 404
    assert client.delete(user_url(ada)).status_code == 404
    assert client.post(USERS_URL, {"username": "eve", "password": NEW_PASSWORD}, format="json").status_code == 403
    ada.refresh_from_db()
    assert ada.is_active is True
    assert not User.objects.filter(username="eve").exists()


def test_a_user_cannot_make_themselves_a_superuser():
    ada = make_user("ada")

    response = api_as(ada).patch(user_url(ada), {"is_superuser": True}, format="json")

    assert response.status_code == 404
    ada.refresh_from_db()
    assert ada.is_superuser is False


# --- with permission -------------------------------------------------------------------------


def test_an_admin_lists_users_with_their_teams_and_no_password(as_admin):
    ada = make_user("ada", email="ada@example.org")
    make_team(ada, name="ops")
    make_team(ada, name="dev")

    response = as_admin.get(USERS_URL, {"q": "ada"})

    assert response.status_code == 200
    [body] = response.json()["results"]
    assert body["username"] == "ada"
    assert body["email"] == "ada@example.org"
    assert body["teams"] == ["dev", "ops"]
    assert (body["is_active"], body["is_superuser"]) == (True, False)
    assert "password" not in body
    assert "md5$" not in json.dumps(response.json())


def test_the_list_filters_by_activity(as_admin):
    make_user("ada")
    make_user("bob", is_active=False)

    names = [u["username"] for u in as_admin.get(USERS_URL, {"is_active": "false"}).json()["results"]]

    assert names == ["bob"]
    assert as_admin.get(USERS_URL, {"is_active": "sometimes"}).status_code == 400


@pytest.mark.parametrize("users", [1, 10])
def test_listing_users_takes_the_same_queries_however_many_there_are(as_admin, django_assert_num_queries, users):
    for _ in range(users):
        make_team(make_user(), make_user())

    with django_assert_num_queries(3):  # count + page + teams
        response = as_admin.get(USERS_URL)

    assert response.json()["count"] == 2 * users + 1  # and the admin


def test_an_admin_creates_a_user_who_can_then_log_in(as_admin, api):
    response = as_admin.post(
        USERS_URL, {"username": "ada", "password": NEW_PASSWORD, "email": "ada@example.org"}, format="json"
    )

    assert response.status_code == 201
    assert "password" not in response.json()
    assert response.json()["teams"] == []
    ada = User.objects.get(username="ada")
    assert ada.check_password(NEW_PASSWORD)
    assert api.post("/api/v1/auth/token/", {"username": "ada", "password": NEW_PASSWORD}).status_code == 201


def test_an_admin_of_every_host_manages_users_without_being_a_superuser():
    client = api_as(make_admin_of_all_hosts())
    ada = make_user("ada")

    changed = client.patch(user_url(ada), {"email": "ada@example.org", "password": NEW_PASSWORD}, format="json")
    deleted = client.delete(user_url(make_user("bob")))

    assert changed.status_code == 200
    ada.refresh_from_db()
    assert ada.email == "ada@example.org"
    assert ada.check_password(NEW_PASSWORD)
    assert deleted.status_code == 204
    assert not User.objects.filter(username="bob").exists()


def test_a_deactivated_user_is_refused_at_once(as_admin):
    ada = make_user("ada")
    key = api_as(ada).post("/api/v1/tokens/", {"name": "ci"}, format="json").json()["key"]

    response = as_admin.patch(user_url(ada), {"is_active": False}, format="json")

    assert response.status_code == 200
    assert response.json()["is_active"] is False
    as_token = api_as(None)
    as_token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert as_token.get("/api/v1/hosts/").status_code == 401


def test_a_superuser_makes_another_superuser(as_admin):
    ada = make_user("ada")

    response = as_admin.patch(user_url(ada), {"is_superuser": True}, format="json")

    assert response.status_code == 200
    ada.refresh_from_db()
    assert ada.is_superuser is True


# --- refusals --------------------------------------------------------------------------------


def test_an_admin_cannot_deactivate_themselves():
    root = make_superuser("root")

    response = api_as(root).patch(user_url(root), {"is_active": False}, format="json")

    assert response.status_code == 409
    assert response.json() == {
        "detail": "You cannot deactivate your own account; ask another admin to do it.",
        "code": "conflict",
    }
    root.refresh_from_db()
    assert root.is_active is True


def test_an_admin_cannot_delete_themselves():
    ada = make_admin_of_all_hosts("ada")

    response = api_as(ada).delete(user_url(ada))

    assert response.status_code == 409
    assert response.json()["detail"] == "You cannot delete your own account; ask another admin to do it."
    assert User.objects.filter(pk=ada.pk).exists()


def test_a_superuser_cannot_take_away_their_own_superuser_status():
    root = make_superuser("root")

    response = api_as(root).patch(user_url(root), {"is_superuser": False}, format="json")

    assert response.status_code == 409
    root.refresh_from_db()
    assert root.is_superuser is True


@pytest.mark.parametrize(
    ("method", "payload"),
    [("patch", {"password": NEW_PASSWORD}), ("patch", {"is_active": False}), ("delete", None)],
)
def test_only_a_superuser_may_change_a_superusers_account(method, payload):
    root = make_superuser("root")
    client = api_as(make_admin_of_all_hosts())

    response = getattr(client, method)(user_url(root), payload, format="json")

    assert response.status_code == 403
    assert response.json()["detail"].startswith("Only a superuser may change a superuser's account")
    root.refresh_from_db()
    assert root.is_active is True
    assert root.check_password(PASSWORD)


def test_only_a_superuser_may_make_a_superuser():
    client = api_as(make_admin_of_all_hosts("ada"))

    created = client.post(USERS_URL, {"username": "eve", "password": NEW_PASSWORD, "is_superuser": True}, format="json")
    promoted = client.patch(user_url(make_user("bob")), {"is_superuser": True}, format="json")

    assert created.status_code == promoted.status_code == 403
    assert not User.objects.filter(username="eve").exists()
    assert not User.objects.filter(is_superuser=True).exists()


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"username": "ada"}, "password: A new user needs a password."),
        ({"username": "ada", "password": "short"}, "password: This password is too short."),
        ({"username": "ada", "password": "password123"}, "password: This password is too common."),
        ({"username": "ada-lovelace", "password": "ada-lovelace1"}, "password: The password is too similar to the"),
        ({"password": NEW_PASSWORD}, "username: This field is required."),
        ({"username": "ada lovelace", "password": NEW_PASSWORD}, "username: Enter a valid username."),
        ({"username": "ada", "password": NEW_PASSWORD, "email": "nope"}, "email: Enter a valid email address."),
        ({"username": "ada", "password": NEW_PASSWORD, "is_active": "perhaps"}, "is_active: Must be a valid boolean."),
    ],
)
def test_a_bad_new_user_is_a_400_saying_what_is_wrong(as_admin, payload, detail):
    response = as_admin.post(USERS_URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert not User.objects.filter(username__startswith="ada").exists()


def test_a_taken_username_is_a_400(as_admin):
    make_user("ada")

    response = as_admin.post(USERS_URL, {"username": "ada", "password": NEW_PASSWORD}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "username: A user with that username already exists."


def test_a_weak_new_password_changes_nothing(as_admin):
    ada = make_user("ada")

    response = as_admin.patch(user_url(ada), {"email": "ada@example.org", "password": "123"}, format="json")

    assert response.status_code == 400
    ada.refresh_from_db()
    assert ada.email == ""
    assert ada.check_password(PASSWORD)


# --- audit -----------------------------------------------------------------------------------


def test_user_changes_are_audited_without_the_password():
    client = api_as(make_superuser("root"))

    user_id = client.post(USERS_URL, {"username": "ada", "password": NEW_PASSWORD}, format="json").json()["id"]
    client.patch(f"{USERS_URL}{user_id}/", {"password": "another passphrase 2", "is_active": False}, format="json")
    client.delete(f"{USERS_URL}{user_id}/")

    events = AuditEvent.objects.filter(action__startswith="user.").order_by("pk")
    assert [(e.action, e.username, e.target_type, e.target_id) for e in events] == [
        ("user.create", "root", "user", str(user_id)),
        ("user.change", "root", "user", str(user_id)),
        ("user.delete", "root", "user", str(user_id)),
    ]
    assert events[1].detail == {"changed": ["is_active", "password"], "is_active": False}
    written = json.dumps(list(events.values()), default=str)
    assert NEW_PASSWORD not in written
    assert "another passphrase 2" not in written
    assert "md5$" not in written


def test_a_refused_attempt_on_a_superuser_is_audited_as_denied():
    root = make_superuser("root")
    api_as(make_admin_of_all_hosts("ada")).patch(user_url(root), {"password": NEW_PASSWORD}, format="json")

    event = AuditEvent.objects.get(action="user.change")
    assert (event.username, event.target_id, event.outcome) == ("ada", str(root.pk), "denied")
    assert event.detail == {"changed": ["password"]}
    assert NEW_PASSWORD not in json.dumps(event.detail)
