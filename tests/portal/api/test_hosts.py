"""/api/v1/hosts/: who sees which hosts, and what admins may change."""

import pytest

from portal.hosts.choices import HostStatus
from portal.hosts.models import Host
from tests.portal.factories import make_host, make_offline_host, make_online_host, make_user

pytestmark = pytest.mark.django_db

HOSTS_URL = "/api/v1/hosts/"


def host_url(host) -> str:
    return f"{HOSTS_URL}{host.pk}/"


@pytest.fixture
def as_plain_user(api):
    api.force_authenticate(make_user())
    return api


# --- reading -------------------------------------------------------------------------------


def test_without_credentials_the_list_is_a_401_saying_so(api):
    make_host()

    response = api.get(HOSTS_URL)

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "not_authenticated"
    assert body["detail"] == "Authentication credentials were not provided."


def test_a_superuser_sees_every_host(as_admin):
    make_online_host("web-1")
    make_offline_host("web-2")
    make_host("web-3")

    response = as_admin.get(HOSTS_URL)

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [(h["name"], h["status"]) for h in body["results"]] == [
        ("web-1", "online"),
        ("web-2", "offline"),
        ("web-3", "unknown"),
    ]
    assert {"id", "name", "status", "last_seen", "engine_version"} <= set(body["results"][0])


def test_a_plain_user_sees_no_hosts(as_plain_user):
    make_online_host("web-1")

    response = as_plain_user.get(HOSTS_URL)

    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert response.json()["results"] == []


def test_a_host_the_user_may_not_see_is_a_404_not_a_403(as_plain_user):
    host = make_online_host("web-1")

    response = as_plain_user.get(host_url(host))

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found, or not visible to you.", "code": "not_found"}


@pytest.mark.parametrize("method", ["patch", "delete"])
def test_changing_a_host_the_user_may_not_see_is_a_404(as_plain_user, method):
    host = make_offline_host("web-1")

    response = getattr(as_plain_user, method)(host_url(host), {"name": "mine"}, format="json")

    assert response.status_code == 404
    host.refresh_from_db()
    assert host.name == "web-1"


def test_a_superuser_reads_one_host(as_admin):
    host = make_online_host("web-1", engine_version="20.10.24")

    response = as_admin.get(host_url(host))

    assert response.status_code == 200
    assert response.json()["engine_version"] == "20.10.24"
    assert response.json()["status"] == "online"


def test_a_silent_online_host_is_listed_as_offline(as_admin, settings):
    settings.BERTH_HOST_OFFLINE_AFTER = 8
    make_online_host("web-1", seen_ago=30)

    [host] = as_admin.get(HOSTS_URL).json()["results"]

    assert host["status"] == "offline"


def test_the_list_filters_by_name(as_admin):
    make_host("frontend-1")
    make_host("backend-1")

    names = [h["name"] for h in as_admin.get(HOSTS_URL, {"name": "FRONT"}).json()["results"]]

    assert names == ["frontend-1"]


@pytest.mark.parametrize("hosts", [1, 20])
def test_listing_hosts_takes_the_same_queries_however_many_there_are(as_admin, django_assert_num_queries, hosts):
    for number in range(hosts):
        make_online_host(f"web-{number}")

    with django_assert_num_queries(2):  # count + page
        response = as_admin.get(HOSTS_URL)

    assert response.json()["count"] == hosts


# --- creating ------------------------------------------------------------------------------


def test_a_superuser_registers_a_host_before_its_worker_joins(as_admin):
    response = as_admin.post(HOSTS_URL, {"name": "Build Box 2", "labels": {"team": "ci"}}, format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["slug"] == "build-box-2"
    assert body["status"] == "unknown"
    assert body["labels"] == {"team": "ci"}
    assert Host.objects.get(slug="build-box-2").name == "Build Box 2"


def test_a_duplicate_host_is_a_400_naming_the_slug(as_admin):
    make_host("Web 1", slug="web-1")

    response = as_admin.post(HOSTS_URL, {"name": "web 1"}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "name: A host with slug 'web-1' already exists."
    assert Host.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"name": ""}, "name: This field may not be blank."),
        ({}, "name: This field is required."),
        ({"name": "!!!"}, "name: Host name '!!!' has no letters or digits; pick a name like 'web-1'."),
        ({"name": "web-1", "slug": "not a slug"}, "slug: "),
        ({"name": "x" * 101}, "name: Ensure this field has no more than 100 characters."),
        ({"name": "web-1", "labels": {"team": 1}}, "labels: Labels are an object of text keys to text values."),
    ],
)
def test_a_bad_new_host_is_a_400_with_a_readable_detail(as_admin, payload, detail):
    response = as_admin.post(HOSTS_URL, payload, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith(detail)
    assert not Host.objects.exists()


def test_a_plain_user_may_not_register_a_host(as_plain_user):
    response = as_plain_user.post(HOSTS_URL, {"name": "web-1"}, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not Host.objects.exists()


def test_a_malformed_json_body_is_a_400_not_a_500(as_admin):
    response = as_admin.post(HOSTS_URL, data='{"name": ', content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"


def test_a_body_that_is_not_an_object_is_a_400(as_admin):
    response = as_admin.post(HOSTS_URL, data='["web-1"]', content_type="application/json")

    assert response.status_code == 400


# --- changing ------------------------------------------------------------------------------


def test_a_superuser_renames_and_labels_a_host(as_admin):
    host = make_online_host("web-1")

    response = as_admin.patch(host_url(host), {"name": "Frontend", "labels": {"env": "prod"}}, format="json")

    assert response.status_code == 200
    host.refresh_from_db()
    assert (host.name, host.labels, host.slug) == ("Frontend", {"env": "prod"}, "web-1")


def test_sending_the_same_slug_back_is_allowed(as_admin):
    host = make_host("web-1")

    response = as_admin.patch(host_url(host), {"slug": "web-1", "name": "Web one"}, format="json")

    assert response.status_code == 200


def test_a_slug_cannot_change(as_admin):
    host = make_host("web-1")

    response = as_admin.patch(host_url(host), {"slug": "web-2"}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"].startswith("slug: A host's slug names its worker's queue and cannot change")
    host.refresh_from_db()
    assert host.slug == "web-1"


@pytest.mark.parametrize("labels", [{"env": 1}, {"env": None}, ["env"], "env=prod", {"env": {"nested": "x"}}])
def test_labels_must_be_text_to_text(as_admin, labels):
    host = make_host("web-1", labels={"env": "dev"})

    response = as_admin.patch(host_url(host), {"labels": labels}, format="json")

    assert response.status_code == 400
    assert response.json()["detail"] == "labels: Labels are an object of text keys to text values."
    host.refresh_from_db()
    assert host.labels == {"env": "dev"}


def test_read_only_fields_are_not_changed_by_patch(as_admin):
    host = make_offline_host("web-1")

    response = as_admin.patch(host_url(host), {"status": "online", "engine_version": "99"}, format="json")

    assert response.status_code == 200
    host.refresh_from_db()
    assert host.status == HostStatus.OFFLINE
    assert host.engine_version == ""


def test_put_is_not_offered(as_admin):
    host = make_host("web-1")

    response = as_admin.put(host_url(host), {"name": "x"}, format="json")

    assert response.status_code == 405


# --- deleting ------------------------------------------------------------------------------


def test_an_online_host_cannot_be_deleted(as_admin):
    host = make_online_host("web-1")

    response = as_admin.delete(host_url(host))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Host 'web-1' is online: stop its host worker first, or it will join again.",
        "code": "conflict",
    }
    assert Host.objects.filter(pk=host.pk).exists()


def test_an_offline_host_is_deleted(as_admin):
    host = make_offline_host("web-1")

    response = as_admin.delete(host_url(host))

    assert response.status_code == 204
    assert not Host.objects.filter(pk=host.pk).exists()


def test_a_silent_online_host_may_be_deleted(as_admin, settings):
    settings.BERTH_HOST_OFFLINE_AFTER = 8
    host = make_online_host("web-1", seen_ago=30)

    assert as_admin.delete(host_url(host)).status_code == 204


def test_an_unknown_host_id_is_a_404(as_admin):
    assert as_admin.get(f"{HOSTS_URL}999999/").status_code == 404
    assert as_admin.get(f"{HOSTS_URL}not-a-number/").status_code == 404
