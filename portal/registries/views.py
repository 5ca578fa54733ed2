"""Registry pages: the list (with search across registries), add/edit/remove for admins of every
host, a registry's repositories, and a repository's tags with "Pull to host…".

Whatever a registry answers wrongly is shown as its sentence, with the API's status code."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from portal.access.policy import can
from portal.hosts.models import Host
from portal.refusals import NotFound
from portal.registries import browse, changes
from portal.registries.client import RegistryError
from portal.registries.encryption import SecretUnreadable
from portal.registries.forms import RegistryForm
from portal.registries.models import Registry

__all__ = [
    "registry_add",
    "registry_browse",
    "registry_delete",
    "registry_edit",
    "registry_list",
    "registry_repository",
]

VIEW, MANAGE = "registry.view", "registry.manage"
PER_PAGE = 50


def _visible(request, pk: int, action: str = VIEW) -> Registry:
    """The registry, if they see it, and may `action` it: a 404 either way (the refusal audited)."""
    registry = get_object_or_404(Registry.objects.select_related("team").restrict(request, VIEW), pk=pk)
    if action != VIEW and not can(request, action, registry):
        raise NotFound("Not found, or not visible to you.", action=action, target=registry)
    return registry


def _page_number(request) -> int:
    try:
        return max(1, int(request.GET.get("page", 1)))
    except ValueError:
        return 1


@login_required
def registry_list(request):
    registries = list(Registry.objects.select_related("team").restrict(request, VIEW))
    query = request.GET.get("q", "").strip()
    context = {"registries": registries, "query": query, "may_manage": can(request, MANAGE)}
    if query:
        context["search"] = browse.search_registries(registries, query)
    return render(request, "registries/registry_list.html", context)


def _save(request, form: RegistryForm, registry: Registry | None):
    data = dict(form.cleaned_data)
    check = data.pop("check_connection")
    try:
        if registry is None:
            return changes.create_registry(request, check=check, **data)
        return changes.change_registry(request, registry, check=check, **data)
    except (changes.RegistryRefused, SecretUnreadable) as exc:
        form.add_error(None, str(exc))
        return None


def _saved(request, registry: Registry, verb: str, had_password: bool = False) -> None:
    """Says what was saved, and what the admin must know: the token service the credentials now go
    to, and a password cleared by a change of address."""
    text = f"Registry {registry.name} {verb}."
    if registry.token_realm:
        text += f" Its credentials go to its token service at {registry.token_realm} too (pinned now)."
    if had_password and not registry.has_password and registry.username:
        text += " Its URL changed, so the password saved for the old address was cleared: edit it to enter one."
    messages.success(request, text)


@login_required
def registry_add(request):
    if not can(request, MANAGE):  # a 404, never a 403: the page does not tell who may use it
        raise NotFound("Not found, or not visible to you.", action=MANAGE)
    form = RegistryForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and (registry := _save(request, form, None)):
        _saved(request, registry, "added")
        return redirect("registry-list")
    return render(request, "registries/registry_form.html", {"form": form, "registry": None})


@login_required
def registry_edit(request, pk: int):
    registry = _visible(request, pk, MANAGE)
    if registry.builtin:
        messages.info(request, f"{registry.name} is built in and cannot be changed.")
        return redirect("registry-list")
    form = RegistryForm(request.POST or None, registry=registry)
    had_password = registry.has_password
    if request.method == "POST" and form.is_valid() and (saved := _save(request, form, registry)):
        _saved(request, saved, "saved", had_password)
        return redirect("registry-list")
    return render(request, "registries/registry_form.html", {"form": form, "registry": registry})


@login_required
def registry_delete(request, pk: int):
    """Asks first (GET); removes on POST."""
    registry = _visible(request, pk, MANAGE)
    if request.method != "POST":
        return render(request, "registries/registry_confirm_delete.html", {"registry": registry})
    try:
        changes.delete_registry(request, registry)
    except changes.RegistryRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Registry {registry.name} removed; its saved credentials are gone.")
    return redirect("registry-list")


def _render_browse(request, template: str, context: dict, read):
    """Renders `template` with what `read()` returns as `page`, or the registry's sentence."""
    status = 200
    try:
        context["page"] = read()
    except (RegistryError, SecretUnreadable) as exc:
        context["error"] = str(exc)
        status = getattr(exc, "status", 400)
    return render(request, template, context, status=status)


@login_required
def registry_browse(request, pk: int):
    registry = _visible(request, pk)
    query = request.GET.get("q", "").strip()
    context = {"registry": registry, "query": query, "may_manage": can(request, MANAGE)}

    def read():
        if registry.is_docker_hub and not query:
            return None  # Docker Hub lists no catalog: the page asks for a search instead
        return Paginator(browse.repositories(registry, query), PER_PAGE).get_page(_page_number(request))

    return _render_browse(request, "registries/registry_browse.html", context, read)


@login_required
def registry_repository(request, pk: int, repository: str):
    registry = _visible(request, pk)
    may_pull = can(request, "registry.use", registry)
    hosts = Host.objects.restrict(request, "image.manage").order_by("name").only("pk", "name") if may_pull else []
    context = {"registry": registry, "repository": repository, "hosts": hosts, "may_pull": may_pull}

    def read():
        page = Paginator(browse.tag_names(registry, repository), PER_PAGE).get_page(_page_number(request))
        details = browse.tag_details(registry, repository, list(page.object_list))
        page.rows = [(detail, registry.image_reference(repository, detail.name)) for detail in details]
        return page

    return _render_browse(request, "registries/repository_tags.html", context, read)
