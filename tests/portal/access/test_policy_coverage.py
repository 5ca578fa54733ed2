"""Every routed API action is named in its viewset's policy_actions, and every policy action
named there exists in the policy. A new endpoint without a policy entry fails here."""

from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.viewsets import ViewSetMixin

from portal.access.policy import ACTIONS
from portal.api.viewsets import RestrictedModelViewSet, RestrictedViewSetMixin
from portal.hosts.api.views import HostViewSet


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


def policy_gaps(viewsets: dict[type, set[str]]) -> list[str]:
    gaps = []
    for viewset, actions in sorted(viewsets.items(), key=lambda item: item[0].__name__):
        name = viewset.__name__
        if not issubclass(viewset, RestrictedViewSetMixin):
            gaps.append(f"{name} does not use RestrictedViewSetMixin, so the policy never sees it")
            continue
        for action in sorted(actions - set(viewset.policy_actions)):
            gaps.append(f"{name}.{action} is routed but has no entry in policy_actions")
        for action, policy_action in sorted(viewset.policy_actions.items()):
            if policy_action not in ACTIONS:
                gaps.append(f"{name}.{action} names policy action {policy_action!r}, which ACTIONS lacks")
        if viewset.view_action not in ACTIONS:
            gaps.append(f"{name}.view_action {viewset.view_action!r} is not in ACTIONS")
    return gaps


def test_every_routed_api_action_has_a_policy_entry():
    viewsets = routed_viewsets()

    # The walk finds the API (so this test cannot pass by finding nothing)
    assert HostViewSet in viewsets
    assert {"list", "retrieve", "create", "partial_update", "destroy"} <= viewsets[HostViewSet]

    assert policy_gaps(viewsets) == []


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
    from rest_framework import viewsets

    class UnguardedViewSet(viewsets.ViewSet):
        pass

    assert policy_gaps({UnguardedViewSet: {"list"}}) == [
        "UnguardedViewSet does not use RestrictedViewSetMixin, so the policy never sees it"
    ]
