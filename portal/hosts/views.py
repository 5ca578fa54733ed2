from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from portal.hosts.api.serializers import HostSerializer
from portal.hosts.models import Host

__all__ = ["host_detail"]


@login_required
def host_detail(request, pk: int):
    host = get_object_or_404(Host.objects.restrict(request, "host.view"), pk=pk)
    return render(request, "hosts/host_detail.html", {"host": host, "host_json": HostSerializer(host).data})
