"""The people of the team and account tests: who holds which role, through real team bindings."""

from django.test import Client
from rest_framework.test import APIClient

from tests.portal.factories import make_binding, make_team, make_user


def make_admin_of_all_hosts(username: str | None = None):
    """A user who is not a superuser but whose team is admin on every host."""
    user = make_user(username)
    make_binding(make_team(user, name=f"admins of {user.username}"), "admin", all_hosts=True)
    return user


def make_admin_of(*hosts, username: str | None = None):
    """A user whose team is admin on the hosts given only."""
    user = make_user(username)
    make_binding(make_team(user, name=f"host admins of {user.username}"), "admin", *hosts)
    return user


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def browser_as(user) -> Client:
    client = Client()
    client.force_login(user)
    return client
