"""A registry's credentials belong to its address: the token service on another host is pinned
when an admin saves it, a new URL clears the saved password, and the registry a reference names is
found by Docker's own rules."""

import pytest
from django.test import Client
from rest_framework.exceptions import ValidationError

from portal.audit.models import AuditEvent
from portal.registries.addresses import canonical_url, reference_domain
from portal.registries.credentials import registry_auth
from portal.registries.models import Registry
from tests.portal.factories import make_superuser

from . import fake_registry as fake
from .conftest import PASSWORD, URL, USER, make_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def root():
    return make_superuser("root")


@pytest.fixture
def admin_api(api, root):
    api.force_authenticate(root)
    return api


def test_saving_a_registry_pins_the_token_service_it_names_on_another_host(admin_api, hostile, elsewhere_tls):
    realm = f"{elsewhere_tls.url}/token"
    elsewhere_tls.route("/token", fake.json_answer(200, {"token": fake.TOKEN}))
    fake.bearer_registry(hostile, realm)
    body = {"name": "hostile", "url": hostile.url, "username": fake.USER, "password": fake.PASSWORD}

    created = admin_api.post("/api/v1/registries/", {**body, "verify_tls": False}, format="json")

    assert created.status_code == 201, created.content
    registry = Registry.objects.get(name="hostile")
    assert created.json()["token_realm"] == realm == registry.token_realm
    assert AuditEvent.objects.get(action="registry.create").detail["realm"] == realm
    # The registry names another token service later: nothing is sent there, Test connection says why.
    moved = f"{elsewhere_tls.url}/other-token"
    elsewhere_tls.route("/other-token", fake.json_answer(200, {"token": fake.TOKEN}))
    hostile.routes.clear()
    fake.bearer_registry(hostile, moved)
    before = len(elsewhere_tls.seen)

    tested = admin_api.post(f"/api/v1/registries/{registry.pk}/test/")

    assert (tested.status_code, tested.json()["code"]) == (400, "registry_untrusted_host")
    assert "not the one approved when it was saved" in tested.json()["detail"]
    assert len(elsewhere_tls.seen) == before
    # Saving it again, checked, approves the new one (and says so in the audit trail).
    resaved = admin_api.patch(f"/api/v1/registries/{registry.pk}/", {}, format="json")
    assert resaved.status_code == 200, resaved.content
    assert resaved.json()["token_realm"] == moved
    assert AuditEvent.objects.filter(action="registry.change").last().detail["changed"] == ["token_realm"]


def test_the_admin_sees_the_pinned_token_service_on_the_pages(root, hostile, elsewhere_tls):
    realm = f"{elsewhere_tls.url}/token"
    elsewhere_tls.route("/token", fake.json_answer(200, {"token": fake.TOKEN}))
    fake.bearer_registry(hostile, realm)
    client = Client()
    client.force_login(root)
    form = {"name": "hostile", "url": hostile.url, "username": fake.USER, "password": fake.PASSWORD}

    added = client.post("/registries/add/", {**form, "check_connection": "on"}, follow=True)

    registry = Registry.objects.get(name="hostile")
    assert registry.token_realm == realm
    assert f"Its credentials go to its token service at {realm} too" in added.content.decode()
    assert realm in client.get("/registries/").content.decode()
    assert realm in client.get(f"/registries/{registry.pk}/edit/").content.decode()


def test_a_token_service_elsewhere_over_plain_http_is_refused_when_saving(admin_api, hostile, elsewhere):
    fake.bearer_registry(hostile, f"{elsewhere.url}/token")
    body = {"name": "hostile", "url": hostile.url, "username": fake.USER, "password": fake.PASSWORD}

    response = admin_api.post("/api/v1/registries/", body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "registry_untrusted_host")
    assert not Registry.objects.filter(name="hostile").exists() and elsewhere.seen == []


def test_docker_hub_comes_with_its_token_service_pinned():
    assert Registry.objects.get(builtin=True).token_realm == "https://auth.docker.io/token"


# --- a new address clears the password --------------------------------------------------------------


def test_a_new_url_clears_the_saved_password_unless_a_new_one_comes_with_it(admin_api):
    registry = make_registry()
    elsewhere = "http://localhost:5000"  # the same registry under another name: another address

    moved = admin_api.patch(
        f"/api/v1/registries/{registry.pk}/", {"url": elsewhere, "check_connection": False}, format="json"
    )

    registry.refresh_from_db()
    assert moved.status_code == 200 and moved.json()["has_password"] is False
    assert (registry.url, registry.username, registry.has_password) == (elsewhere, USER, False)
    assert AuditEvent.objects.filter(action="registry.change").last().detail["changed"] == ["password", "url"]

    with_password = admin_api.patch(
        f"/api/v1/registries/{registry.pk}/", {"url": URL, "password": PASSWORD}, format="json"
    )

    registry.refresh_from_db()
    assert with_password.status_code == 200 and registry.url == URL and registry.password() == PASSWORD


def test_a_checked_move_without_the_password_is_refused_and_says_to_enter_it_again(admin_api):
    registry = make_registry()

    response = admin_api.patch(f"/api/v1/registries/{registry.pk}/", {"url": "http://localhost:5000"}, format="json")

    assert response.status_code == 400 and "enter it again" in response.json()["detail"]
    registry.refresh_from_db()
    assert registry.url == URL and registry.password() == PASSWORD


def test_the_edit_page_says_a_moved_registrys_password_was_cleared(root):
    registry = make_registry()
    client = Client()
    client.force_login(root)
    form = {"name": registry.name, "url": "http://localhost:5000", "username": USER, "verify_tls": "on"}

    page = client.post(f"/registries/{registry.pk}/edit/", form, follow=True).content.decode()

    assert "password saved for the old address was cleared" in page
    registry.refresh_from_db()
    assert not registry.has_password


def test_a_url_is_canonical_in_lower_case_and_without_credentials():
    assert canonical_url("Registry.Example.COM:5000") == "https://registry.example.com:5000"
    with pytest.raises(ValueError, match="in their own fields"):
        canonical_url("https://user:pw@registry.example.com")


# --- the registry a reference names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reference", "domain"),
    [
        ("busybox", "docker.io"),
        ("busybox:latest", "docker.io"),
        ("library/busybox", "docker.io"),
        ("team/app:1.0", "docker.io"),
        ("docker.io/library/busybox", "docker.io"),
        ("index.docker.io/library/busybox", "docker.io"),
        ("registry-1.docker.io/library/busybox", "registry-1.docker.io"),
        ("localhost/app", "localhost"),
        ("localhost:5000/app", "localhost:5000"),
        ("127.0.0.1:5000/team/app:1", "127.0.0.1:5000"),
        ("registry.example.com/team/app@sha256:" + "a" * 64, "registry.example.com"),
        ("Evil/app", "evil"),
        ("MyHost/team/app:1", "myhost"),
    ],
)
def test_the_registry_a_reference_names_is_found_by_dockers_rules(reference, domain):
    assert reference_domain(reference) == domain


def test_docker_hubs_credentials_do_not_go_to_a_host_named_in_upper_case(root):
    hub = make_registry(url="https://registry-1.docker.io", username="hubuser", password="hub-secret")

    assert registry_auth(root, hub.pk, "hubuser/app:1")["password"] == "hub-secret"
    with pytest.raises(ValidationError) as refused:
        registry_auth(root, hub.pk, "Evil/app:1")  # Docker sends this to the host "Evil"
    assert "registry_mismatch" in str(refused.value.get_codes())
    assert registry_auth(root, None, "Evil/app:1") is None
