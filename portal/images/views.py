from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from portal.hosts.models import Host
from portal.images.models import Image
from portal.operations.rights import host_rights, operation_form_page
from portal.registries.models import Registry

__all__ = ["image_detail", "image_list", "image_new"]


@login_required
def image_list(request):
    hosts = Host.objects.restrict(request, "image.view").only("pk", "name")
    return render(request, "images/image_list.html", {"hosts": hosts})


@login_required
def image_detail(request, pk: int):
    image = get_object_or_404(Image.objects.select_related("host").restrict(request, "image.view"), pk=pk)
    api_url = reverse("v1:image-detail", args=[image.pk])
    return render(
        request,
        "images/image_detail.html",
        {"object": image, "api_url": api_url, "host_rights": host_rights(request)},
    )


@login_required
def image_new(request):
    """Pull, build and import forms: hosts where the user may manage images."""
    registries = Registry.objects.exclude(password_sealed="").restrict(request, "registry.use")
    return operation_form_page(request, "images/image_new.html", "image.manage", registries=registries)
