"""Every API route maps to a policy action: each routed viewset action (the @action routes too) is
named in its viewset's policy_actions, every policy action named there exists in the policy, and
every API view that is no viewset is either public or names the action its rows answer to.
A new endpoint without a policy entry fails here."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from django.urls.resolvers import RegexPattern
from rest_framework import routers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework.viewsets import ViewSetMixin

from portal.access.policy import ACTIONS
from portal.api.viewsets import RestrictedModelViewSet, RestrictedViewSetMixin
from portal.containers.logs_download import ContainerLogsDownload
from portal.hosts.api.views import HostViewSet
from portal.hosts.models import Host
from portal.images.api.views import ImageViewSet

# API views anyone may reach (the token exchange, the API root, its schema and docs).
PUBLIC_API = {"api-token", "api-root", "api-schema", "api-docs"}


def routed_viewsets(resolver=None) -> dict[type, set[str]]:
    """Every viewset reachable through the URLconf, with the actions its routes can reach."""
    found: dict[type, set[str]] = {}
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            for viewset, actions in routed_viewsets(entry).items():
                found.setdefault(viewset, set()).update(actions)
        elif isinstance(entry, URLPattern):
            viewset = getattr(entry.callback, "cls", None)
            actions = getattr(entry.callback, "actions", None)
            if viewset is not None and issubclass(viewset, ViewSetMixin) and actions:
                # A method the viewset does not accept (PUT, say) is a 405 before any action runs.
                reachable = {action for method, action in actions.items() if method in viewset.http_method_names}
                found.setdefault(viewset, set()).update(reachable)
    return found


def routed_api_views(resolver=None, prefix: str = "") -> dict[str, type]:
    """Every API route (under api/) served by a view that is no viewset: {url name: view class}."""
    found = {}
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            found.update(routed_api_views(entry, prefix + str(entry.pattern)))
        elif isinstance(entry, URLPattern) and (prefix + str(entry.pattern)).startswith("api/"):
            view = getattr(entry.callback, "cls", None) or getattr(entry.callback, "view_class", None)
            if view is None or not issubclass(view, ViewSetMixin):
                found[entry.name] = view
    return found


def policy_gaps(viewsets: dict[type, set[str]]) -> list[str]:
    gaps = []
    for viewset, actions in sorted(viewsets.items(), key=lambda item: item[0].__name__):
        name = viewset.__name__
        if not issubclass(viewset, RestrictedViewSetMixin):
            gaps.append(f"{name} does not use RestrictedViewSetMixin, so the policy never sees it")
            continue
        # Every @action it declares, routed or not: one the router does not reach today may be routed tomorrow.
        declared = {extra.__name__ for extra in viewset.get_extra_actions()}
        for action_name in sorted((actions | declared) - set(viewset.policy_actions)):
            gaps.append(f"{name}.{action_name} is routed but has no entry in policy_actions")
        for action_name, policy_action in sorted(viewset.policy_actions.items()):
            if policy_action not in ACTIONS:
                gaps.append(f"{name}.{action_name} names policy action {policy_action!r}, which ACTIONS lacks")
        if viewset.view_action not in ACTIONS:
            gaps.append(f"{name}.view_action {viewset.view_action!r} is not in ACTIONS")
    return gaps


def view_gaps(views: dict[str, type]) -> list[str]:
    gaps = []
    for name, view in sorted(views.items()):
        if name in PUBLIC_API:
            continue
        if getattr(view, "view_action", None) not in ACTIONS:
            gaps.append(f"API route {name} ({getattr(view, '__name__', view)}) names no policy action (view_action)")
    return gaps


def test_every_routed_api_action_has_a_policy_entry():
    viewsets = routed_viewsets()

    # The walk finds the API and its @action routes (so this test cannot pass by finding nothing)
    assert HostViewSet in viewsets
    assert {"list", "retrieve", "create", "partial_update", "destroy"} <= viewsets[HostViewSet]
    assert {"pull", "build", "prune", "load", "tag", "push", "export", "history"} <= viewsets[ImageViewSet]

    assert policy_gaps(viewsets) == []


def test_every_api_route_that_is_no_viewset_is_public_or_names_its_policy_action():
    views = routed_api_views()

    assert views["container-logs"] is ContainerLogsDownload
    assert set(views) >= PUBLIC_API
    assert view_gaps(views) == []


def test_the_check_catches_an_action_without_a_policy_entry():
    class ForgetfulViewSet(RestrictedModelViewSet):
        view_action = "host.view"
        policy_actions = {"list": "host.view", "destroy": "host.remove"}

    gaps = policy_gaps({ForgetfulViewSet: {"list", "retrieve", "destroy"}})

    assert gaps == [
        "ForgetfulViewSet.retrieve is routed but has no entry in policy_actions",
        "ForgetfulViewSet.destroy names policy action 'host.remove', which ACTIONS lacks",
    ]


def test_the_check_catches_a_viewset_outside_the_policy():
    class UnguardedViewSet(viewsets.ViewSet):
        pass

    assert policy_gaps({UnguardedViewSet: {"list"}}) == [
        "UnguardedViewSet does not use RestrictedViewSetMixin, so the policy never sees it"
    ]


class NewRoutesViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """A viewset someone adds with two new @action routes and forgets to name their policy actions."""

    queryset = Host.objects.all()
    view_action = "host.view"
    policy_actions = {"list": "host.view", "retrieve": "host.view"}

    @action(detail=False, methods=["post"])
    def rebalance(self, request):
        return Response({})

    @action(detail=True, methods=["post"])
    def drain(self, request, pk=None):
        return Response({})


class UnnamedView(APIView):
    def get(self, request):
        return Response({})


def test_a_new_route_without_a_policy_entry_is_caught_when_it_is_routed():
    router = routers.SimpleRouter()
    router.register("new-hosts", NewRoutesViewSet, basename="new-host")
    urlconf = [path("api/v1/", include(router.urls)), path("api/v1/unnamed/", UnnamedView.as_view(), name="unnamed")]
    resolver = URLResolver(RegexPattern(r"^/"), urlconf)

    found = routed_viewsets(resolver)

    assert found[NewRoutesViewSet] == {"list", "retrieve", "rebalance", "drain"}
    assert policy_gaps(found) == [
        "NewRoutesViewSet.drain is routed but has no entry in policy_actions",
        "NewRoutesViewSet.rebalance is routed but has no entry in policy_actions",
    ]
    assert view_gaps(routed_api_views(resolver)) == [
        "API route unnamed (UnnamedView) names no policy action (view_action)"
    ]


@pytest.mark.parametrize("route", ["rebalance", "drain"])
def test_the_permission_class_refuses_loudly_an_action_without_a_policy_entry(route):
    viewset = NewRoutesViewSet()
    viewset.action = route

    with pytest.raises(ImproperlyConfigured, match=f"no policy action for '{route}'"):
        viewset.policy_action()
