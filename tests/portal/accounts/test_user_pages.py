"""The user pages: a 404 to anyone who may not manage users; forms that change nothing when wrong."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from portal.audit.models import AuditEvent
from tests.portal.factories import PASSWORD, make_superuser, make_team, make_user
from tests.portal.teams.people import browser_as, make_admin_of, make_admin_of_all_hosts

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def root():
    return make_superuser("root")


@pytest.fixture
def admin(root):
    return browser_as(root)


# --- without permission ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["plain user", "admin of one host"])
def test_every_user_page_is_a_404_to_who_may_not_manage_users(web_1, who):
    ada = make_user("ada")
    browser = browser_as(make_user() if who == "plain user" else make_admin_of(web_1))
    form = {"username": "eve", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "is_active": "0"}

    for method, url in [
        ("get", reverse("user-list")),
        ("post", reverse("user-list")),
        ("post", reverse("user-active", args=[ada.pk])),
        ("get", reverse("user-password", args=[ada.pk])),
        ("post", reverse("user-password", args=[ada.pk])),
    ]:
        assert getattr(browser, method)(url, form).status_code == 404, (method, url)

    ada.refresh_from_db()
    assert ada.is_active is True
    assert not User.objects.filter(username="eve").exists()


def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in():
    response = Client().get(reverse("user-list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- the list --------------------------------------------------------------------------------


def test_an_admin_sees_users_with_their_teams(admin):
    ada = make_user("ada", email="ada@example.org")
    make_team(ada, name="ops")
    make_user("bob", is_active=False)

    page = admin.get(reverse("user-list")).content.decode()

    assert "ada@example.org" in page
    assert "ops" in page
    assert "deactivated" in page


@pytest.mark.parametrize("users", [1, 10])
def test_the_user_list_takes_the_same_queries_however_many_users(admin, django_assert_num_queries, users):
    for _ in range(users):
        make_team(make_user())

    with django_assert_num_queries(4):  # session + user + users + teams
        response = admin.get(reverse("user-list"))

    assert response.status_code == 200


def test_an_admin_of_every_host_may_use_the_page_but_is_not_offered_superuser_status():
    page = browser_as(make_admin_of_all_hosts()).get(reverse("user-list")).content.decode()

    assert 'id="user-create"' in page
    assert "is_superuser" not in page


# --- creating --------------------------------------------------------------------------------


def test_an_admin_creates_a_user(admin):
    response = admin.post(
        reverse("user-list"),
        {"username": "ada", "email": "ada@example.org", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
        follow=True,
    )

    ada = User.objects.get(username="ada")
    assert ada.check_password(NEW_PASSWORD)
    assert ada.is_superuser is False
    assert "User ada created." in response.content.decode()
    assert AuditEvent.objects.filter(action="user.create", target_id=str(ada.pk)).exists()


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"username": "ada", "password1": "short", "password2": "short"}, "This password is too short."),
        ({"username": "ada", "password1": NEW_PASSWORD, "password2": "other"}, "match"),
        ({"username": "ROOT", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, "already exists"),
        ({"username": "a b", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, "Enter a valid username."),
    ],
)
def test_a_bad_new_user_shows_the_error_and_creates_no_one(admin, form, error):
    response = admin.post(reverse("user-list"), form)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert list(User.objects.values_list("username", flat=True)) == ["root"]


# --- activating, deactivating ----------------------------------------------------------------


def test_an_admin_deactivates_and_activates_a_user(admin):
    ada = make_user("ada")

    admin.post(reverse("user-active", args=[ada.pk]), {"is_active": "0"})
    ada.refresh_from_db()
    assert ada.is_active is False

    admin.post(reverse("user-active", args=[ada.pk]), {"is_active": "1"})
    ada.refresh_from_db()
    assert ada.is_active is True


def test_an_admin_is_told_they_cannot_deactivate_themselves(admin, root):
    page = admin.get(reverse("user-list")).content.decode()
    assert reverse("user-active", args=[root.pk]) not in page

    response = admin.post(reverse("user-active", args=[root.pk]), {"is_active": "0"}, follow=True)

    assert "You cannot deactivate your own account" in response.content.decode()
    root.refresh_from_db()
    assert root.is_active is True


def test_deactivating_is_a_post(admin):
    ada = make_user("ada")

    assert admin.get(reverse("user-active", args=[ada.pk])).status_code == 405


# --- resetting a password --------------------------------------------------------------------


def test_an_admin_resets_a_users_password(admin):
    ada = make_user("ada")

    response = admin.post(
        reverse("user-password", args=[ada.pk]), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 302
    ada.refresh_from_db()
    assert ada.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="user.change", target_id=str(ada.pk))
    assert event.detail == {"changed": ["password"]}


def test_a_weak_reset_password_shows_the_error_and_keeps_the_old_one(admin):
    ada = make_user("ada")

    response = admin.post(reverse("user-password", args=[ada.pk]), {"new_password1": "ada", "new_password2": "ada"})

    assert response.status_code == 200
    assert "This password is too short." in response.content.decode()
    ada.refresh_from_db()
    assert ada.check_password(PASSWORD)


def test_an_admin_who_is_not_a_superuser_cannot_reset_a_superusers_password(root):
    browser = browser_as(make_admin_of_all_hosts())

    response = browser.post(
        reverse("user-password", args=[root.pk]), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert response.status_code == 200
    assert "Only a superuser may change a superuser" in response.content.decode()
    root.refresh_from_db()
    assert root.check_password(PASSWORD)


def test_resetting_ones_own_password_keeps_one_logged_in(admin, root):
    admin.post(reverse("user-password", args=[root.pk]), {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    assert admin.get(reverse("user-list")).status_code == 200
