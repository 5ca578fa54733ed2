"""The registry pages: list and search, add/edit/remove for admins, browse repositories and tags."""

import pytest
from django.test import Client

from portal.audit.models import AuditEvent
from portal.registries.models import Registry
from tests.portal.factories import make_binding, make_host, make_superuser, make_team, make_user

from .conftest import PASSWORD, URL, USER, make_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    client = Client()
    client.force_login(make_superuser("root"))
    return client


def form(**fields):
    return {
        "name": "private",
        "url": URL,
        "username": USER,
        "password": PASSWORD,
        "verify_tls": "on",
        "check_connection": "on",
        **fields,
    }


def test_the_nav_links_to_registries_for_everyone_logged_in():
    client = Client()
    client.force_login(make_user())

    page = client.get("/registries/").content.decode()

    assert 'href="/registries/"' in page and "Docker Hub" in page
    assert "Add registry" not in page


def test_an_admin_adds_a_registry_and_the_password_never_shows_again(admin):
    response = admin.post("/registries/add/", form())

    assert response.status_code == 302
    registry = Registry.objects.get(name="private")
    assert registry.password() == PASSWORD
    for url in ("/registries/", f"/registries/{registry.pk}/edit/", f"/registries/{registry.pk}/"):
        assert PASSWORD not in admin.get(url).content.decode()
    assert (
        "A password is saved; leave this blank to keep it."
        in admin.get(f"/registries/{registry.pk}/edit/").content.decode()
    )


def test_a_wrong_password_is_shown_on_the_form_and_nothing_is_saved(admin):
    response = admin.post("/registries/add/", form(password="wrong"))

    assert response.status_code == 200
    assert "refused the username and password" in response.content.decode()
    assert "wrong" not in response.content.decode().split('name="password"')[1][:80]  # not echoed back
    assert not Registry.objects.filter(name="private").exists()


def test_an_edit_with_a_blank_password_keeps_it_and_a_wrong_one_changes_nothing(admin):
    registry = make_registry("mine")

    wrong = admin.post(f"/registries/{registry.pk}/edit/", form(name="mine", password="wrong"))
    kept = admin.post(f"/registries/{registry.pk}/edit/", form(name="renamed", password=""))

    assert wrong.status_code == 200 and "refused the username and password" in wrong.content.decode()
    assert kept.status_code == 302
    registry.refresh_from_db()
    assert (registry.name, registry.password()) == ("renamed", PASSWORD)


def test_an_admin_removes_a_registry_after_confirming(admin):
    registry = make_registry()

    assert "Remove registry" in admin.get(f"/registries/{registry.pk}/delete/").content.decode()
    assert admin.post(f"/registries/{registry.pk}/delete/").status_code == 302
    assert not Registry.objects.filter(pk=registry.pk).exists()
    assert AuditEvent.objects.filter(action="registry.delete").exists()


def test_browse_lists_repositories_with_search_and_paging(admin, pushed):
    namespace, _ = pushed
    registry = make_registry()

    page = admin.get(f"/registries/{registry.pk}/?q={namespace}").content.decode()

    assert f"{namespace}/app" in page and f"{namespace}/tools" in page
    assert f'href="/registries/{registry.pk}/repositories/{namespace}/app/"' in page


def test_a_repository_page_shows_each_tag_with_digest_size_created_and_architecture(admin, pushed):
    namespace, images = pushed
    registry = make_registry()
    make_host("web-1")

    page = admin.get(f"/registries/{registry.pk}/repositories/{namespace}/app/").content.decode()

    assert images["1.0"].digest[:19] in page and "2026-03-04T05:06:07Z" in page
    assert "linux/arm64" in page and "per platform" in page
    assert f'data-pull="127.0.0.1:5000/{namespace}/app:1.0"' in page
    assert 'data-endpoint="/api/v1/images/pull/"' in page and "web-1" in page


def test_errors_are_sentences_on_the_page(admin, pushed, nowhere):
    namespace, _ = pushed
    registry = make_registry()
    down = make_registry("down", url=nowhere)

    missing = admin.get(f"/registries/{registry.pk}/repositories/{namespace}/nothing/")
    unreachable = admin.get(f"/registries/{down.pk}/")

    assert missing.status_code == 404 and f"There is no repository {namespace}/nothing" in missing.content.decode()
    assert unreachable.status_code == 409 and "Nothing answered at" in unreachable.content.decode()


def test_search_from_one_box_names_the_registry_that_did_not_answer(admin, pushed, nowhere):
    namespace, _ = pushed
    make_registry("good")
    make_registry("down", url=nowhere)

    page = admin.get(f"/registries/?q={namespace}/too").content.decode()

    assert f"{namespace}/tools" in page
    assert "<strong>down</strong> did not answer" in page and "<strong>Docker Hub</strong> did not answer" in page


def test_a_viewer_of_the_team_browses_but_is_offered_no_pull(pushed):
    namespace, _ = pushed
    viewer = make_user()
    team = make_team(viewer)
    make_binding(team, "viewer", make_host())
    registry = make_registry(team=team)
    client = Client()
    client.force_login(viewer)

    page = client.get(f"/registries/{registry.pk}/repositories/{namespace}/app/")

    assert page.status_code == 200 and "1.0" in page.content.decode()
    assert "Pull to host" not in page.content.decode()
    assert client.get(f"/registries/{registry.pk}/edit/").status_code == 404
