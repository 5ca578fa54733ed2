"""The operation forms offer what the user may use, and nothing more."""

import pytest
from django.test import Client

from tests.portal.factories import make_binding, make_team, make_user
from tests.portal.registries.conftest import make_registry

pytestmark = pytest.mark.django_db


def test_the_pull_form_offers_the_credentials_of_the_registries_the_user_may_use(host):
    developer = make_user()
    team = make_team(developer)
    make_binding(team, "developer", host)
    ours = make_registry(name="team-registry", team=team)
    make_registry(name="other-team-registry", team=make_team())
    make_registry(name="no-credentials", team=team, username="", password="")
    client = Client()
    client.force_login(developer)

    page = client.get("/images/new/").content.decode()

    assert f'<option value="{ours.pk}">team-registry (127.0.0.1:5000)</option>' in page
    assert "other-team-registry" not in page and "no-credentials" not in page
