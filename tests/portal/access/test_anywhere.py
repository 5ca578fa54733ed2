"""`allows_anywhere`: is there at least one host where the user may do this (for menus)."""

from portal.access.policy import AccessScope, Role


def test_an_admin_of_one_host_reads_audit_somewhere_but_does_not_manage_teams():
    scope = AccessScope(user_id=1, host_roles={3: Role.ADMIN})

    assert scope.allows_anywhere("audit.view") is True
    assert scope.allows_anywhere("team.manage") is False


def test_a_viewer_of_one_host_may_view_somewhere_but_not_read_audit():
    scope = AccessScope(user_id=1, host_roles={3: Role.VIEWER})

    assert scope.allows_anywhere("host.view") is True
    assert scope.allows_anywhere("audit.view") is False


def test_nobody_logged_in_is_allowed_nothing_anywhere():
    assert AccessScope(user_id=None).allows_anywhere("token.own") is False
    assert AccessScope(user_id=5).allows_anywhere("token.own") is True
