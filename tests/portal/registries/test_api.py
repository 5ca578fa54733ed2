"""The registries API against real registries: adding, editing and removing with the connection
checked first, browsing repositories and tags, Test connection, and every error as a 4xx."""

import logging

import pytest

from portal.audit.models import AuditEvent
from portal.registries.models import Registry
from tests.portal.factories import make_superuser

from .conftest import PASSWORD, URL, USER, make_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_api(api):
    api.force_authenticate(make_superuser("root"))
    return api


def add(api, **fields):
    body = {"name": "private", "url": URL, "username": USER, "password": PASSWORD, **fields}
    return api.post("/api/v1/registries/", body, format="json")


# --- Docker Hub and adding --------------------------------------------------------------------------


def test_docker_hub_is_there_from_the_start(admin_api):
    rows = admin_api.get("/api/v1/registries/").json()["results"]

    hub = next(row for row in rows if row["builtin"])
    assert (hub["name"], hub["url"], hub["username"], hub["team"]) == (
        "Docker Hub",
        "https://registry-1.docker.io",
        "",
        None,
    )


def test_an_admin_adds_a_private_registry_and_its_password_is_never_returned(admin_api, caplog):
    caplog.set_level(logging.DEBUG)

    response = add(admin_api, url=f"{URL}/v2/")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"] == URL and body["username"] == USER and body["has_password"] is True
    assert "password" not in body and PASSWORD not in response.content.decode()
    saved = Registry.objects.get(pk=body["id"])
    assert saved.password_sealed and PASSWORD not in saved.password_sealed
    assert saved.password() == PASSWORD
    assert PASSWORD not in admin_api.get(f"/api/v1/registries/{saved.pk}/").content.decode()
    event = AuditEvent.objects.get(action="registry.create")
    assert PASSWORD not in str(event.detail) and event.target_id == str(saved.pk)
    assert PASSWORD not in caplog.text


def test_a_wrong_password_is_refused_and_nothing_is_saved(admin_api):
    response = add(admin_api, password="not-the-password")

    assert response.status_code == 400
    assert response.json()["code"] == "registry_auth_refused"
    assert "refused the username and password" in response.json()["detail"]
    assert not Registry.objects.filter(name="private").exists()
    attempt = AuditEvent.objects.get(action="registry.create")
    assert attempt.outcome == "failure" and "refused" in attempt.detail["reason"]
    assert "not-the-password" not in str(attempt.detail)


def test_an_edit_with_a_wrong_password_keeps_the_saved_credentials(admin_api):
    registry = make_registry()
    sealed = registry.password_sealed

    response = admin_api.patch(
        f"/api/v1/registries/{registry.pk}/", {"username": "berth", "password": "wrong"}, format="json"
    )

    assert response.status_code == 400 and response.json()["code"] == "registry_auth_refused"
    registry.refresh_from_db()
    assert registry.password_sealed == sealed and registry.password() == PASSWORD


def test_an_edit_that_leaves_the_password_blank_keeps_it(admin_api):
    registry = make_registry(verify_tls=True)

    response = admin_api.patch(
        f"/api/v1/registries/{registry.pk}/", {"name": "renamed", "password": "", "verify_tls": False}, format="json"
    )

    assert response.status_code == 200, response.content
    registry.refresh_from_db()
    assert (registry.name, registry.verify_tls, registry.password()) == ("renamed", False, PASSWORD)
    assert AuditEvent.objects.get(action="registry.change").detail["changed"] == ["name", "verify_tls"]


def test_a_registry_that_is_down_is_named_and_not_saved(admin_api, nowhere):
    response = add(admin_api, url=nowhere)

    assert response.status_code == 409
    assert response.json()["code"] == "registry_unreachable"
    assert nowhere in response.json()["detail"]
    assert not Registry.objects.filter(name="private").exists()


def test_https_to_a_plain_http_port_is_a_tls_failure(admin_api):
    response = add(admin_api, url=URL.replace("http://", "https://"))

    assert response.status_code == 400
    assert response.json()["code"] == "registry_tls_failure"
    assert "use an http:// URL" in response.json()["detail"]


def test_a_url_that_is_not_a_registry_is_refused(admin_api, not_a_registry):
    response = add(admin_api, url=not_a_registry)

    assert response.status_code == 400 and response.json()["code"] == "not_a_registry"


def test_a_url_with_a_path_or_another_scheme_is_bad_input(admin_api):
    assert add(admin_api, url="ftp://example.com").status_code == 400
    response = add(admin_api, url="http://example.com/some/path")
    assert response.status_code == 400 and "without a path" in response.json()["detail"]


def test_saving_without_a_check_is_possible_and_docker_hub_cannot_be_changed_or_removed(admin_api, nowhere):
    assert add(admin_api, url=nowhere, check_connection=False).status_code == 201
    hub = Registry.objects.get(builtin=True)

    assert admin_api.patch(f"/api/v1/registries/{hub.pk}/", {"name": "x"}, format="json").status_code == 409
    assert admin_api.delete(f"/api/v1/registries/{hub.pk}/").status_code == 409


def test_an_admin_removes_a_registry(admin_api):
    registry = make_registry()

    assert admin_api.delete(f"/api/v1/registries/{registry.pk}/").status_code == 204
    assert not Registry.objects.filter(pk=registry.pk).exists()
    assert AuditEvent.objects.filter(action="registry.delete", target_id=str(registry.pk)).exists()


# --- Test connection -----------------------------------------------------------------------------


def test_test_connection_says_the_registry_answered_and_accepted_the_credentials(admin_api):
    registry = make_registry()

    response = admin_api.post(f"/api/v1/registries/{registry.pk}/test/")

    assert response.status_code == 200
    assert response.json() == {
        "ok": True,
        "answered": True,
        "credentials": "accepted",
        "detail": "The registry answered and accepted the credentials of berth.",
    }


def test_test_connection_says_plainly_when_the_credentials_are_refused(admin_api):
    registry = make_registry(password="stale-password")

    response = admin_api.post(f"/api/v1/registries/{registry.pk}/test/")

    assert response.status_code == 400
    body = response.json()
    assert (body["answered"], body["credentials"], body["code"]) == (True, "refused", "registry_auth_refused")


def test_test_connection_of_a_registry_that_is_down(admin_api, nowhere):
    registry = make_registry(url=nowhere)

    body = admin_api.post(f"/api/v1/registries/{registry.pk}/test/").json()

    assert (body["answered"], body["credentials"], body["code"]) == (False, "not checked", "registry_unreachable")


# --- browsing -------------------------------------------------------------------------------------


def test_repositories_are_paginated_and_searched(admin_api, pushed):
    namespace, _ = pushed
    registry = make_registry()

    everything = admin_api.get(f"/api/v1/registries/{registry.pk}/repositories/?q={namespace}").json()
    first = admin_api.get(f"/api/v1/registries/{registry.pk}/repositories/?q={namespace}&page_size=1").json()

    assert [row["name"] for row in everything["results"]] == [f"{namespace}/app", f"{namespace}/tools"]
    assert first["count"] == 2 and len(first["results"]) == 1 and first["next"]


def test_tags_carry_digest_size_created_and_architecture_from_their_manifests(admin_api, pushed):
    namespace, images = pushed
    registry = make_registry()

    response = admin_api.get(f"/api/v1/registries/{registry.pk}/repositories/{namespace}/app/tags/")

    assert response.status_code == 200, response.content
    tags = {row["name"]: row for row in response.json()["results"]}
    assert list(tags) == ["1.0", "latest", "multi", "multi-amd64", "multi-arm64"]
    one = tags["1.0"]
    assert one["digest"] == images["1.0"].digest
    assert one["size"] == images["1.0"].size
    assert (one["created"], one["architecture"], one["os"]) == ("2026-03-04T05:06:07Z", "amd64", "linux")
    assert one["reference"] == f"127.0.0.1:5000/{namespace}/app:1.0"
    assert tags["latest"]["architecture"] == "arm64"
    multi = tags["multi"]
    assert multi["digest"] == images["multi"] and multi["size"] is None
    assert multi["media_type"] == "application/vnd.docker.distribution.manifest.list.v2+json"
    assert multi["architecture"] == "amd64, arm64"
    assert [(p["architecture"], p["digest"]) for p in multi["platforms"]] == [
        ("amd64", tags["multi-amd64"]["digest"]),
        ("arm64", tags["multi-arm64"]["digest"]),
    ]


def test_an_oci_image_is_read_too(admin_api, pushed):
    namespace, images = pushed
    registry = make_registry()

    row = admin_api.get(f"/api/v1/registries/{registry.pk}/repositories/{namespace}/tools/tags/oci/").json()

    assert row["media_type"] == "application/vnd.oci.image.manifest.v1+json"
    assert (row["digest"], row["size"], row["architecture"]) == (images["oci"].digest, images["oci"].size, "amd64")


def test_a_missing_repository_or_tag_is_a_404_with_a_sentence(admin_api, pushed):
    namespace, _ = pushed
    registry = make_registry()

    no_repo = admin_api.get(f"/api/v1/registries/{registry.pk}/repositories/{namespace}/nothing/tags/")
    no_tag = admin_api.get(f"/api/v1/registries/{registry.pk}/repositories/{namespace}/app/tags/9.9/")

    assert no_repo.status_code == 404 and no_repo.json()["code"] == "registry_not_found"
    assert no_repo.json()["detail"] == f"There is no repository {namespace}/nothing in {URL}."
    assert no_tag.status_code == 404 and no_tag.json()["detail"] == f"There is no tag 9.9 in {namespace}/app on {URL}."


def test_an_invalid_repository_name_is_bad_input(admin_api):
    registry = make_registry()

    response = admin_api.get(f"/api/v1/registries/{registry.pk}/repositories/Not Valid/tags/")

    assert response.status_code == 400 and response.json()["code"] == "invalid_name"


def test_browsing_with_stale_credentials_says_so(admin_api):
    registry = make_registry(password="stale")

    response = admin_api.get(f"/api/v1/registries/{registry.pk}/repositories/")

    assert response.status_code == 400 and response.json()["code"] == "registry_auth_refused"


# --- the Bearer token flow ------------------------------------------------------------------------


def test_a_token_registry_is_browsed_through_its_token_service(admin_api, token_registry):
    from .conftest import TOKEN_PASSWORD, TOKEN_USER

    response = add(admin_api, url=token_registry.url, username=TOKEN_USER, password=TOKEN_PASSWORD)
    assert response.status_code == 201, response.content
    pk = response.json()["id"]

    repositories = admin_api.get(f"/api/v1/registries/{pk}/repositories/").json()
    tags = admin_api.get(f"/api/v1/registries/{pk}/repositories/team/app/tags/").json()

    assert [row["name"] for row in repositories["results"]] == ["team/app"]
    assert [(row["name"], row["architecture"]) for row in tags["results"]] == [("v1", "amd64")]
    assert admin_api.post(f"/api/v1/registries/{pk}/test/").json()["credentials"] == "accepted"


def test_a_token_service_that_refuses_the_password_and_a_repository_the_user_may_not_read(admin_api, token_registry):
    from .conftest import TOKEN_PASSWORD, TOKEN_USER

    refused = add(admin_api, url=token_registry.url, username=TOKEN_USER, password="wrong")
    registry = make_registry(url=token_registry.url, username=TOKEN_USER, password=TOKEN_PASSWORD)
    denied = admin_api.get(f"/api/v1/registries/{registry.pk}/repositories/secret/plans/tags/")

    assert refused.status_code == 400 and refused.json()["code"] == "registry_auth_refused"
    assert denied.status_code == 403 and denied.json()["code"] == "registry_denied"
    assert "may not read secret/plans" in denied.json()["detail"]


# --- search ---------------------------------------------------------------------------------------


def test_search_asks_every_registry_and_names_the_one_that_is_down(admin_api, pushed, nowhere):
    namespace, _ = pushed
    good = make_registry("good")
    down = make_registry("down", url=nowhere)

    response = admin_api.get(f"/api/v1/registries/search/?q={namespace}/ap")

    assert response.status_code == 200
    body = response.json()
    assert [(row["registry"], row["name"]) for row in body["results"]] == [(good.pk, f"{namespace}/app")]
    failed = {row["registry_name"]: row["detail"] for row in body["unreachable"]}
    assert nowhere in failed["down"] and down.pk in [row["registry"] for row in body["unreachable"]]
    # Docker Hub is searched too; on this closed network it does not answer, and is named.
    assert "Docker Hub" in failed


def test_search_needs_a_term(admin_api):
    response = admin_api.get("/api/v1/registries/search/?q=")

    assert response.status_code == 400 and "search for" in response.json()["detail"]
