from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from portal.hosts.models import Host
from portal.networks.models import Network
from portal.operations.rights import host_rights, operation_form_page

__all__ = ["network_detail", "network_list", "network_map", "network_named", "network_new"]


@login_required
def network_list(request):
    hosts = Host.objects.restrict(request, "network.view").only("pk", "name")
    return render(request, "networks/network_list.html", {"hosts": hosts, "host_rights": host_rights(request)})


@login_required
def network_detail(request, pk: int):
    network = get_object_or_404(Network.objects.select_related("host").restrict(request, "network.view"), pk=pk)
    api_url = reverse("v1:network-detail", args=[network.pk])
    context = {"object": network, "api_url": api_url, "host_rights": host_rights(request)}
    return render(request, "networks/network_detail.html", context)


@login_required
def network_named(request, host: int, name: str):
    """A network by its host and name (how a container names its networks): its page."""
    networks = Network.objects.live().restrict(request, "network.view")
    return redirect("network-detail", get_object_or_404(networks, host_id=host, name=name).pk)


@login_required
def network_new(request):
    """The create form: hosts where the user may manage networks."""
    return operation_form_page(request, "networks/network_new.html", "network.manage")


@login_required
def network_map(request):
    """A host's networks and the containers on them, drawn (static/berth/network_map.js)."""
    hosts = list(Host.objects.restrict(request, "network.view").only("pk", "name"))
    return render(request, "networks/network_map.html", {"hosts": hosts, "host_rights": host_rights(request)})
