from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.access.shortcuts import get_visible_or_404
from portal.hosts.api.serializers import HostSerializer
from portal.hosts.models import Host

__all__ = ["host_detail"]


@login_required
def host_detail(request, pk: int):
    host = get_visible_or_404(request, Host.objects.all(), "host.view", pk=pk)
    return render(request, "hosts/host_detail.html", {"host": host, "host_json": HostSerializer(host).data})
