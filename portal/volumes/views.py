from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from portal.hosts.models import Host
from portal.operations.rights import host_rights, operation_form_page
from portal.volumes.models import Volume

__all__ = ["volume_detail", "volume_list", "volume_named", "volume_new"]


@login_required
def volume_list(request):
    hosts = Host.objects.restrict(request, "volume.view").only("pk", "name")
    return render(request, "volumes/volume_list.html", {"hosts": hosts, "host_rights": host_rights(request)})


@login_required
def volume_detail(request, pk: int):
    volume = get_object_or_404(Volume.objects.select_related("host").restrict(request, "volume.view"), pk=pk)
    api_url = reverse("v1:volume-detail", args=[volume.pk])
    context = {"object": volume, "api_url": api_url, "host_rights": host_rights(request)}
    return render(request, "volumes/volume_detail.html", context)


@login_required
def volume_named(request, host: int, name: str):
    """A volume by its host and name (how a container names its mounts): its page."""
    volumes = Volume.objects.live().restrict(request, "volume.view")
    return redirect("volume-detail", get_object_or_404(volumes, host_id=host, engine_id=name).pk)


@login_required
def volume_new(request):
    """The create form: hosts where the user may manage volumes."""
    return operation_form_page(request, "volumes/volume_new.html", "volume.manage")
