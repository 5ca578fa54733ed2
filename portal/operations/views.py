from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from portal.hosts.models import Host
from portal.operations.choices import OperationKind, OperationState
from portal.operations.models import Operation

__all__ = ["operation_detail", "operation_list"]


@login_required
def operation_list(request):
    hosts = Host.objects.restrict(request, "operation.view").only("pk", "name")
    return render(
        request,
        "operations/operation_list.html",
        {"hosts": hosts, "states": OperationState.choices, "kinds": OperationKind.choices},
    )


@login_required
def operation_detail(request, pk: int):
    operation = get_object_or_404(Operation.objects.select_related("host").restrict(request, "operation.view"), pk=pk)
    return render(
        request,
        "operations/operation_detail.html",
        {"object": operation, "api_url": reverse("v1:operation-detail", args=[operation.pk])},
    )
