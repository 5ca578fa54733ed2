"""A collection action (`@action(detail=False)`) whose handler forgets to check is refused anyway:
PolicyPermission asks the policy about the host its request names, or "anywhere" when it names
none, before the handler runs. The viewset below checks nothing itself, on purpose."""

import pytest
from django.urls import include, path
from rest_framework import routers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.viewsets import RestrictedViewSetMixin
from portal.audit.models import AuditEvent
from portal.hosts.models import Host
from portal.teams.choices import RoleName
from tests.portal.factories import make_binding, make_host, make_team, make_user

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class CarelessViewSet(RestrictedViewSetMixin, viewsets.GenericViewSet):
    """Collection actions whose handlers do no check at all."""

    queryset = Host.objects.all()
    view_action = "host.view"
    policy_host_param = "host"
    policy_actions = {"evacuate": "image.manage", "census": "container.view", "sweep": "host.add"}

    @action(detail=False, methods=["post"])
    def evacuate(self, request):
        """Names its host in the body."""
        return Response({"host": self.policy_host.pk if self.policy_host else None})

    @action(detail=False, methods=["get"])
    def census(self, request):
        """Names its host in the query."""
        return Response({"host": self.policy_host.pk if self.policy_host else None})

    @action(detail=False, methods=["post"])
    def sweep(self, request):
        """An action the policy grants only on all hosts."""
        return Response({"swept": True})


router = routers.SimpleRouter()
router.register("careless", CarelessViewSet, basename="careless")
urlpatterns = [path("api/v1/", include(router.urls))]


@pytest.fixture
def hosts():
    return make_host("web-a"), make_host("web-b")


def user_with(role: str | None, *on_hosts: Host, all_hosts: bool = False):
    user = make_user()
    if role is not None:
        make_binding(make_team(user), role, *on_hosts, all_hosts=all_hosts)
    return user


def test_anonymous_callers_are_asked_to_log_in(api, hosts):
    assert api.post("/api/v1/careless/evacuate/", {"host": hosts[0].pk}, format="json").status_code == 401


def test_a_host_the_user_may_not_see_is_a_404(api, hosts):
    api.force_authenticate(user_with(None))

    response = api.post("/api/v1/careless/evacuate/", {"host": hosts[0].pk}, format="json")

    assert response.status_code == 404
    assert response.json()["detail"] == f"Host {hosts[0].pk} does not exist, or is not visible to you."


def test_a_host_that_does_not_exist_is_the_same_404(api, hosts):
    api.force_authenticate(user_with(RoleName.DEVELOPER, all_hosts=True))

    response = api.post("/api/v1/careless/evacuate/", {"host": 999999}, format="json")

    assert response.status_code == 404
    assert response.json()["detail"] == "Host 999999 does not exist, or is not visible to you."


def test_a_viewer_of_the_named_host_is_refused_and_the_refusal_is_audited(api, hosts):
    host_a, _ = hosts
    api.force_authenticate(user_with(RoleName.VIEWER, host_a))

    response = api.post("/api/v1/careless/evacuate/", {"host": host_a.pk}, format="json")

    assert response.status_code == 403
    assert response.json()["detail"] == "Your role on host web-a does not allow this."
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.host_id, event.target_type) == (
        "image.manage",
        "denied",
        host_a.pk,
        "host",
    )


def test_a_developer_of_one_host_may_there_and_nowhere_else(api, hosts):
    host_a, host_b = hosts
    api.force_authenticate(user_with(RoleName.DEVELOPER, host_a))

    allowed = api.post("/api/v1/careless/evacuate/", {"host": host_a.pk}, format="json")
    elsewhere = api.post("/api/v1/careless/evacuate/", {"host": host_b.pk}, format="json")

    assert (allowed.status_code, allowed.json()) == (200, {"host": host_a.pk})
    assert elsewhere.status_code == 404


def test_a_host_in_a_form_body_is_read_as_the_serializers_read_it(api, hosts):
    host_a, _ = hosts
    api.force_authenticate(user_with(RoleName.VIEWER, host_a))

    assert api.post("/api/v1/careless/evacuate/", {"host": str(host_a.pk)}).status_code == 403


def test_a_host_in_the_query_of_a_get_is_asked_the_same_way(api, hosts):
    host_a, host_b = hosts
    api.force_authenticate(user_with(RoleName.VIEWER, host_a))

    assert api.get("/api/v1/careless/census/", {"host": host_a.pk}).json() == {"host": host_a.pk}
    assert api.get("/api/v1/careless/census/", {"host": host_b.pk}).status_code == 404


@pytest.mark.parametrize("body", [{}, {"host": ""}, {"host": "not a number"}], ids=["no host", "empty", "garbage"])
def test_a_request_that_names_no_host_needs_the_action_somewhere(api, hosts, body):
    host_a, _ = hosts
    api.force_authenticate(user_with(RoleName.VIEWER, host_a))
    assert api.post("/api/v1/careless/evacuate/", body, format="json").status_code == 403

    api.force_authenticate(user_with(RoleName.DEVELOPER, host_a))
    assert api.post("/api/v1/careless/evacuate/", body, format="json").json() == {"host": None}


def test_an_action_granted_only_on_all_hosts_needs_all_hosts(api, hosts):
    host_a, host_b = hosts
    api.force_authenticate(user_with(RoleName.ADMIN, host_a, host_b))
    assert api.post("/api/v1/careless/sweep/", format="json").status_code == 403

    api.force_authenticate(user_with(RoleName.ADMIN, all_hosts=True))
    assert api.post("/api/v1/careless/sweep/", format="json").json() == {"swept": True}
