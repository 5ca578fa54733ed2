from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from portal.access.dangerous import inside_refusal
from portal.access.policy import can
from portal.containers.models import Container
from portal.hosts.models import Host
from portal.operations.rights import host_rights, operation_form_page

__all__ = ["container_detail", "container_list", "container_run"]

STATS_CHARTS = [("cpu", "CPU"), ("memory", "Memory"), ("network", "Network"), ("io", "Block IO")]
STATES = [(s, s.capitalize()) for s in ("running", "paused", "restarting", "created", "exited", "dead")]


@login_required
def container_list(request):
    hosts = Host.objects.restrict(request, "container.view").only("pk", "name")
    return render(
        request,
        "containers/container_list.html",
        {"hosts": hosts, "states": STATES, "host_rights": host_rights(request)},
    )


@login_required
def container_detail(request, pk: int):
    container = get_object_or_404(Container.objects.select_related("host").restrict(request, "container.view"), pk=pk)
    api_url = reverse("v1:container-detail", args=[container.pk])
    streams = {
        "logs": f"/ws/containers/{container.pk}/logs/",
        "stats": f"/ws/containers/{container.pk}/stats/",
        "download": reverse("v1:container-logs", args=[container.pk]),
    }
    context = {
        "object": container,
        "api_url": api_url,
        # Their role lets them inside containers on this host, and this one's danger may not.
        "may_exec": can(request, "container.exec", container.host_id),
        "exec_refusal": "" if can(request, "container.exec", container) else inside_refusal(container).sentence,
        "streams": streams,
        "stats_charts": STATS_CHARTS,
        "host_rights": host_rights(request),
    }
    return render(request, "containers/container_detail.html", context)


@login_required
def container_run(request):
    """The run form: hosts where the user may create containers."""
    return operation_form_page(request, "containers/container_run.html", "container.manage")
