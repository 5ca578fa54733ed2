"""The one entrance: `can` asks about an object, a host id, "anywhere" or all hosts, and
`Model.objects.restrict` reads what each model declares about who holds its rows."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ImproperlyConfigured

from portal.access.policy import ANYWHERE, AccessScope, Role, can, role_on
from portal.access.querysets import RestrictedQuerySet
from portal.accounts.models import PersonalToken, User
from portal.teams.choices import RoleName
from portal.teams.models import Team
from portal.terminals.models import TerminalSession
from tests.portal.factories import make_binding, make_container, make_host, make_team, make_user
from tests.portal.terminals.factories import make_terminal_session

pytestmark = pytest.mark.django_db


def test_can_asks_on_a_host_id_anywhere_or_on_all_hosts():
    scope = AccessScope(user_id=7, host_roles={1: Role.DEVELOPER})

    assert can(scope, "image.manage", 1) is True
    assert can(scope, "image.manage", 2) is False
    assert can(scope, "image.manage", ANYWHERE) is True
    assert can(scope, "image.manage") is False  # all hosts
    assert can(scope, "host.add", ANYWHERE) is False  # granted on all hosts only
    assert role_on(scope, 1) is Role.DEVELOPER


def test_ones_own_rows_are_ones_own_and_no_one_elses():
    web = make_host("web-1")
    ada, bob = make_user("ada"), make_user("bob")
    make_binding(make_team(bob), RoleName.ADMIN, web)
    mine, theirs = PersonalToken.issue(ada, "mine")[0], PersonalToken.issue(bob, "theirs")[0]
    container = make_container(web)
    ada_session, bob_session = make_terminal_session(ada, container), make_terminal_session(bob, container)

    # Tokens: one's own only, whatever one's role.
    assert list(PersonalToken.objects.restrict(bob, "token.own")) == [theirs]
    assert (can(ada, "token.own", mine), can(bob, "token.own", mine)) == (True, False)
    # Sessions: one's own, and everyone's on hosts where one may read sessions (bob is admin of web).
    assert list(TerminalSession.objects.restrict(ada, "session.view")) == [ada_session]
    assert set(TerminalSession.objects.restrict(bob, "session.view")) == {ada_session, bob_session}
    assert (can(ada, "session.view", bob_session), can(bob, "session.view", ada_session)) == (False, True)


def test_rows_of_no_host_need_the_action_on_all_hosts():
    team = make_team()
    admin_of_one, admin_of_all = make_user(), make_user()
    make_binding(make_team(admin_of_one), RoleName.ADMIN, make_host())
    make_binding(make_team(admin_of_all), RoleName.ADMIN, all_hosts=True)

    assert team not in Team.objects.restrict(admin_of_one, "team.manage")
    assert team in Team.objects.restrict(admin_of_all, "team.manage")
    assert User.objects.restrict(admin_of_one, "user.manage").count() == 0
    assert User.objects.restrict(admin_of_all, "user.manage").count() == 2


def test_a_model_that_declares_nothing_is_a_configuration_error():
    with pytest.raises(ImproperlyConfigured, match="ContentType declares no policy_host_field"):
        RestrictedQuerySet(model=ContentType).restrict(make_user(), "host.view")
