"""An admin's reset of a user's password signs that user out everywhere: their tokens are revoked,
their sessions end and their open sockets close — whoever knew the old password is out."""

import pytest
from asgiref.sync import sync_to_async
from django.contrib.sessions.models import Session
from django.test import Client
from rest_framework.test import APIClient

from portal.accounts.models import PersonalToken
from portal.audit.models import AuditEvent
from tests.portal.factories import make_superuser, make_token, make_user
from tests.portal.ws.sockets import events_socket, run_async, session_cookie

# The consumer reads the database from other threads: the rows must be committed.
pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "an-entirely-new-passphrase-7"


def with_key(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def sessions_of(user) -> int:
    return sum(1 for s in Session.objects.all() if s.get_decoded().get("_auth_user_id") == str(user.pk))


def reset_by_api(admin, user):
    client = APIClient()
    client.force_authenticate(admin)
    return client.patch(f"/api/v1/users/{user.pk}/", {"password": NEW_PASSWORD}, format="json")


def reset_by_page(admin, user):
    client = Client()
    client.force_login(admin)
    form = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    return client.post(f"/users/{user.pk}/password/", form, follow=True)


@pytest.mark.parametrize("reset", [reset_by_api, reset_by_page])
def test_a_password_reset_revokes_the_users_tokens_and_ends_their_sessions(reset):
    ada, root = make_user("ada"), make_superuser("root")
    keys = [make_token(ada, "ci"), make_token(ada, "laptop")]
    browser = Client()
    browser.force_login(ada)
    bystander = make_user("bob")
    bobs_key = make_token(bystander, "bob's")
    assert browser.get("/").status_code == 200 and sessions_of(ada) == 1

    response = reset(root, ada)

    assert response.status_code == 200
    assert [with_key(key).get("/api/v1/hosts/").status_code for key in keys] == [401, 401]
    assert not PersonalToken.objects.filter(user=ada).exists() and sessions_of(ada) == 0
    assert browser.get("/").status_code == 302  # back to the login page
    assert with_key(bobs_key).get("/api/v1/hosts/").status_code == 200
    assert AuditEvent.objects.filter(action="user.change").last().detail == {"changed": ["password"]}
    signed_out = AuditEvent.objects.get(action="user.sign_out")
    assert (signed_out.username, signed_out.target_repr) == ("root", "ada")
    assert signed_out.detail == {"ended": {"sessions": 1, "api": 2}, "why": "password reset"}


def test_the_page_says_the_user_is_signed_out_everywhere():
    page = reset_by_page(make_superuser("root"), make_user("ada")).content.decode()

    assert "They are signed out everywhere" in page


def test_an_admin_changing_their_own_password_keeps_their_session_and_tokens():
    root = make_superuser("root")
    key = make_token(root, "ci")
    client = APIClient()
    client.force_login(root)

    assert client.patch(f"/api/v1/users/{root.pk}/", {"password": NEW_PASSWORD}, format="json").status_code == 200

    assert with_key(key).get("/api/v1/hosts/").status_code == 200
    assert client.get("/api/v1/hosts/").status_code == 200


@run_async
async def test_a_password_reset_closes_the_users_open_sockets_token_and_session_alike():
    ada = await sync_to_async(make_user)("ada")
    root = await sync_to_async(make_superuser)("root")
    browser = events_socket(cookie=await sync_to_async(session_cookie)(ada))
    script = events_socket(f"/ws/events/?token={await sync_to_async(make_token)(ada, 'ci')}")
    for socket in (browser, script):
        connected, _ = await socket.connect()
        assert connected
        await socket.receive_json_from(timeout=1)  # hello

    await sync_to_async(reset_by_api)(root, ada)

    closes = {}
    for name, socket in (("browser", browser), ("script", script)):
        while True:
            message = await socket.receive_output(timeout=1)
            if message["type"] == "websocket.close":
                closes[name] = message["code"]
                break
    assert closes == {"browser": 4401, "script": 4401}
