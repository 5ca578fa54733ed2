from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from portal.access.policy import can
from portal.hosts.api.serializers import HostSerializer
from portal.hosts.models import Host

__all__ = ["dashboard"]


@login_required
def dashboard(request):
    hosts = list(Host.objects.restrict(request, "host.view"))
    return render(
        request,
        "dashboard/dashboard.html",
        {
            "hosts": hosts,
            "hosts_json": HostSerializer(hosts, many=True).data,
            "can_add_hosts": can(request, "host.add"),
            "local_engine_problem": settings.BERTH_LOCAL_ENGINE_PROBLEM,
        },
    )
