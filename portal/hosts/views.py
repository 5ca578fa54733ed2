from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render

from portal.access.policy import can
from portal.hosts.api.serializers import HostSerializer
from portal.hosts.broker_users import broker_management
from portal.hosts.models import Host

__all__ = ["host_detail"]


@login_required
def host_detail(request, pk: int):
    host = get_object_or_404(Host.objects.restrict(request, "host.view"), pk=pk)
    can_rotate = can(request, "host.rotate", host)
    context = {
        "host": host,
        "host_json": HostSerializer(host).data,
        "can_rotate": can_rotate,
        # Admins are told when hosts share the broker's credentials (portal/hosts/broker_users.py).
        "broker_problem": broker_management().problem if can_rotate else "",
    }
    return render(request, "hosts/host_detail.html", context)
