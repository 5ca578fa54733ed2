from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse

from portal.access.policy import restrict
from portal.access.shortcuts import get_visible_or_404
from portal.hosts.models import Host
from portal.operations.choices import OperationKind, OperationState
from portal.operations.models import Operation
from portal.operations.rights import host_rights
from portal.registries.models import Registry

__all__ = ["container_run", "image_new", "operation_detail", "operation_list"]


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
    operation = get_visible_or_404(request, Operation.objects.select_related("host"), "operation.view", pk=pk)
    return render(
        request,
        "operations/operation_detail.html",
        {"object": operation, "api_url": reverse("v1:operation-detail", args=[operation.pk])},
    )


def _forms_page(request, template: str, action: str, **context):
    rights = host_rights(request)
    hosts = [{"id": pk, "name": r["name"], "online": r["online"]} for pk, r in rights.items() if r[action]]
    return render(request, template, {"form_hosts": hosts, "host_rights": rights, **context})


@login_required
def container_run(request):
    """The run form: hosts where the user may create containers."""
    return _forms_page(request, "containers/container_run.html", "container.manage")


@login_required
def image_new(request):
    """Pull, build and import forms: hosts where the user may manage images."""
    registries = restrict(Registry.objects.exclude(password_sealed=""), request, "registry.use")
    return _forms_page(request, "images/image_new.html", "image.manage", registries=registries)
