"""What the API records in the audit trail: host changes, tokens issued, failed logins, refusals."""

import json

import pytest

from portal.audit.models import AuditEvent
from tests.portal.audit.factories import make_user_with
from tests.portal.factories import PASSWORD, make_host, make_offline_host, make_online_host, make_superuser, make_user

pytestmark = pytest.mark.django_db

HOSTS_URL = "/api/v1/hosts/"
TOKEN_URL = "/api/v1/auth/token/"


def only_event(**lookup) -> AuditEvent:
    return AuditEvent.objects.get(**lookup)


def assert_no_secret(event: AuditEvent, *secrets: str) -> None:
    written = json.dumps([str(value) for value in AuditEvent.objects.filter(pk=event.pk).values().get().values()])
    for secret in secrets:
        assert secret not in written


@pytest.fixture
def admin_with_token(api):
    """An admin calling the API with a personal token, from 10.1.2.3."""
    admin = make_superuser("root")
    key = api.post(TOKEN_URL, {"username": "root", "password": PASSWORD}, format="json").json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}", REMOTE_ADDR="10.1.2.3")
    return admin, key


# --- hosts ----------------------------------------------------------------------------------------


def test_registering_a_host_is_audited_with_target_and_host(api, admin_with_token):
    admin, key = admin_with_token

    response = api.post(HOSTS_URL, {"name": "Build Box", "labels": {"team": "ci"}}, format="json")

    assert response.status_code == 201
    event = only_event(action="host.create")
    host_id = response.json()["id"]
    assert (event.user, event.username, event.outcome, event.source_ip) == (admin, "root", "success", "10.1.2.3")
    assert (event.target_type, event.target_id, event.target_repr) == ("host", str(host_id), "Build Box")
    assert (event.host_id, event.host_name) == (host_id, "Build Box")
    assert event.detail == {"name": "Build Box", "slug": "build-box", "labels": {"team": "ci"}}
    assert_no_secret(event, key, PASSWORD)


def test_changing_a_host_is_audited_with_what_changed(api, admin_with_token):
    host = make_online_host("web-1", labels={"env": "dev"})

    api.patch(f"{HOSTS_URL}{host.pk}/", {"name": "Frontend", "labels": {"env": "dev"}}, format="json")

    event = only_event(action="host.change")
    assert (event.host_id, event.host_name, event.target_id, event.outcome) == (
        host.pk,
        "Frontend",
        str(host.pk),
        "success",
    )
    assert event.detail == {"changed": {"name": {"from": "web-1", "to": "Frontend"}}}
    assert_no_secret(event, admin_with_token[1], PASSWORD)


def test_deleting_a_host_is_audited_and_the_event_still_names_it(api, admin_with_token):
    host = make_offline_host("web-1")

    assert api.delete(f"{HOSTS_URL}{host.pk}/").status_code == 204

    event = only_event(action="host.delete")
    assert (event.outcome, event.target_type, event.target_id, event.target_repr) == (
        "success",
        "host",
        str(host.pk),
        "web-1",
    )
    assert (event.host_id, event.host_name) == (None, "web-1")  # the host is gone; its name stays
    assert event.detail == {"name": "web-1", "slug": "web-1", "labels": {}}


def test_refusing_to_delete_an_online_host_is_audited_as_a_failure(api, admin_with_token):
    host = make_online_host("web-1")

    assert api.delete(f"{HOSTS_URL}{host.pk}/").status_code == 409

    event = only_event(action="host.delete")
    assert (event.outcome, event.host_id, event.detail["error"]) == ("failure", host.pk, "the host is online")


def test_a_rejected_host_body_changes_nothing_and_records_nothing(as_admin):
    as_admin.post(HOSTS_URL, {"name": "!!!"}, format="json")

    assert not AuditEvent.objects.filter(action__startswith="host.").exists()


# --- tokens and logins ----------------------------------------------------------------------------


def test_obtaining_a_token_is_audited_without_the_key_or_password(api):
    ada = make_user("ada")

    key = api.post(TOKEN_URL, {"username": "ada", "password": PASSWORD, "name": "ci"}, format="json").json()["token"]

    event = only_event(action="token.create")
    assert (event.user, event.username, event.outcome, event.target_type) == (ada, "ada", "success", "personaltoken")
    assert event.source_ip == "127.0.0.1"
    assert event.detail["name"] == "ci"
    assert key.startswith(event.detail["prefix"])
    assert_no_secret(event, key, PASSWORD)


@pytest.mark.parametrize("active", [True, False], ids=["wrong password", "inactive user"])
def test_bad_credentials_for_a_token_are_audited_as_a_failed_login(api, active):
    make_user("ada", is_active=active)

    api.post(TOKEN_URL, {"username": "ada", "password": "guess" if active else PASSWORD}, format="json")

    event = only_event(action="login")
    assert (event.user, event.username, event.outcome, event.source_ip) == (None, "ada", "failure", "127.0.0.1")
    assert_no_secret(event, "guess", PASSWORD)
    assert not AuditEvent.objects.filter(action="token.create").exists()


# --- refusals -------------------------------------------------------------------------------------


def test_a_refused_action_on_a_visible_object_is_audited_as_denied(api, web_1):
    viewer = make_user_with("viewer", web_1, username="vic")
    api.force_authenticate(viewer)

    response = api.patch(f"{HOSTS_URL}{web_1.pk}/", {"name": "mine"}, format="json")

    assert response.status_code == 403
    event = only_event(outcome="denied")
    assert (event.action, event.user, event.username) == ("host.change", viewer, "vic")
    assert (event.target_type, event.target_id, event.host_id, event.host_name) == (
        "host",
        str(web_1.pk),
        web_1.pk,
        "web-1",
    )
    assert event.detail == {"method": "PATCH", "path": f"{HOSTS_URL}{web_1.pk}/"}


def test_a_refused_creation_is_audited_as_denied_on_no_host(api):
    api.force_authenticate(make_user("vic"))

    assert api.post(HOSTS_URL, {"name": "web-9"}, format="json").status_code == 403

    event = only_event(outcome="denied")
    assert (event.action, event.username, event.host_id, event.target_type) == ("host.add", "vic", None, "")


def test_reading_the_audit_trail_without_the_role_is_audited_as_denied(api):
    api.force_authenticate(make_user("vic"))

    assert api.get("/api/v1/audit/").status_code == 403

    event = only_event(outcome="denied")
    assert (event.action, event.username) == ("audit.view", "vic")


def test_an_object_out_of_sight_is_a_404_and_no_refusal_is_recorded(api, web_1):
    api.force_authenticate(make_user("vic"))
    host = make_host("web-9")

    assert api.delete(f"{HOSTS_URL}{host.pk}/").status_code == 404

    assert not AuditEvent.objects.filter(outcome="denied").exists()


def test_browsing_the_api_records_no_refusal_for_the_forms_it_leaves_out(api, web_1):
    api.force_authenticate(make_user_with("viewer", web_1))

    # The browsable API asks the policy whether to draw the create, change and delete forms
    assert api.get(HOSTS_URL, HTTP_ACCEPT="text/html").status_code == 200
    assert api.get(f"{HOSTS_URL}{web_1.pk}/", HTTP_ACCEPT="text/html").status_code == 200
    assert not AuditEvent.objects.filter(outcome="denied").exists()

    assert api.delete(f"{HOSTS_URL}{web_1.pk}/", HTTP_ACCEPT="text/html").status_code == 403
    assert list(AuditEvent.objects.filter(outcome="denied").values_list("action", flat=True)) == ["host.delete"]


def test_an_unauthenticated_request_is_a_401_not_a_denial(api, web_1):
    assert api.delete(f"{HOSTS_URL}{web_1.pk}/").status_code == 401

    assert not AuditEvent.objects.exists()
