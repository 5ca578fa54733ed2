"""The Stacks pages: the list (per host, filters), a stack's page (services, containers, state,
versions, diff, actions) and the editor (static/berth/stack_editor.js, CodeMirror with YAML)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from portal.access.policy import can
from portal.hosts.models import Host
from portal.operations.rights import host_rights
from portal.stacks.models import Stack

__all__ = ["stack_detail", "stack_list", "stack_new"]


@login_required
def stack_list(request):
    hosts = Host.objects.restrict(request, "stack.view").only("pk", "name")
    return render(request, "stacks/stack_list.html", {"hosts": hosts, "host_rights": host_rights(request)})


@login_required
def stack_detail(request, pk: int):
    stack = get_object_or_404(Stack.objects.select_related("host").restrict(request, "stack.view"), pk=pk)
    context = {
        "object": stack,
        "api_url": reverse("v1:stack-detail", args=[stack.pk]),
        "may_deploy": can(request, "stack.deploy", stack.host_id),
        "host_rights": host_rights(request),
    }
    return render(request, "stacks/stack_detail.html", context)


@login_required
def stack_new(request):
    """The editor for a new stack: hosts where the user may deploy."""
    rights = host_rights(request)
    hosts = [
        {"id": pk, "name": r["name"], "online": r["online"]}
        for pk, r in rights.items()
        if can(request, "stack.deploy", pk)
    ]
    return render(request, "stacks/stack_new.html", {"form_hosts": hosts, "host_rights": rights})
