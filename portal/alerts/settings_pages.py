"""The alert settings pages: a team's rules and channels listed for whoever may see them, written
by its admins. A form posted here is judged by the API's serializer (the same sentences, the same
policy: a user who may not write for the team gets the 403 page) and saved by
portal/alerts/changes.py (saved and audited in one transaction). "Send a test" calls the API
(static/berth/alert_settings.js)."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from portal.access.policy import can
from portal.alerts import changes
from portal.alerts.api.serializers import AlertChannelSerializer, AlertRuleSerializer
from portal.alerts.forms import MANAGE, AlertChannelForm, AlertRuleForm, manageable_teams
from portal.alerts.models import AlertChannel, AlertRule
from portal.refusals import Forbidden

__all__ = [
    "alert_settings",
    "channel_add",
    "channel_delete",
    "channel_edit",
    "rule_add",
    "rule_delete",
    "rule_edit",
]

VIEW = "alertrule.view"
REFUSED = "Only a team's admins (or admins of every host) write its alert rules and channels."


def _refuse_unless_manager(request, obj=None) -> None:
    """The 403 page for one who may not write (seeing the settings is not writing them)."""
    allowed = can(request, MANAGE, obj) if obj is not None else bool(manageable_teams(request))
    if not allowed:
        raise Forbidden(REFUSED, action=MANAGE)


def _visible(request, model, pk: int):
    queryset = model.objects.restrict(request, VIEW).select_related("team")
    return get_object_or_404(queryset, pk=pk)


@login_required
def alert_settings(request):
    rules = AlertRule.objects.restrict(request, VIEW).select_related("team").prefetch_related("hosts", "channels")
    channels = list(AlertChannel.objects.restrict(request, VIEW).select_related("team"))
    writable = {team.pk for team in manageable_teams(request)}
    context = {
        "rules": list(rules),
        "channels": channels,
        "writable": writable,
        "may_write": bool(writable),
    }
    return render(request, "alerts/settings.html", context)


def _save(request, form, serializer_class, instance, write, partial: bool):
    """Validated by the API's serializer; saved through `write`; its sentences put on the form."""
    if not form.is_valid():
        return None
    body = serializer_class(instance, data=form.api_data(), partial=partial, context={"request": request})
    if not body.is_valid():
        for field, errors in body.errors.items():
            target = field if field in form.fields else None
            for error in errors if isinstance(errors, list) else [errors]:
                form.add_error(target, str(error))
        return None
    if instance is None:
        return write(request, **body.validated_data)
    return write(request, instance, **body.validated_data)


@dataclass(frozen=True)
class Writable:
    """What the add and edit pages of rules, or of channels, are made of."""

    model: type
    form: type
    serializer: type
    create: Callable
    change: Callable
    template: str
    saved: str  # the sentence once saved, with {name}
    partial: bool  # an edit sends only what changed (a channel's secret, its chat URL)


RULES = Writable(
    AlertRule, AlertRuleForm, AlertRuleSerializer, changes.create_rule, changes.change_rule,
    "alerts/rule_form.html", "Rule {name} saved.", False,
)  # fmt: skip
CHANNELS = Writable(
    AlertChannel, AlertChannelForm, AlertChannelSerializer, changes.create_channel, changes.change_channel,
    "alerts/channel_form.html", "Channel {name} saved. Send it a test to see that it arrives.", True,
)  # fmt: skip


def _write_page(request, what: Writable, pk: int | None):
    """The add page (pk None) or the edit page of a rule or a channel."""
    obj = _visible(request, what.model, pk) if pk is not None else None
    _refuse_unless_manager(request, obj)
    edited = {} if obj is None else {what.model.__name__.removeprefix("Alert").lower(): obj}
    form = what.form(request, request.POST or None, **edited)
    if request.method == "POST":
        write = what.create if obj is None else what.change
        if saved := _save(request, form, what.serializer, obj, write, what.partial and obj is not None):
            messages.success(request, what.saved.format(name=saved.name))
            return redirect("alert-settings")
    return render(request, what.template, {"form": form, "obj": obj})


@login_required
def rule_add(request):
    return _write_page(request, RULES, None)


@login_required
def rule_edit(request, pk: int):
    return _write_page(request, RULES, pk)


@login_required
def channel_add(request):
    return _write_page(request, CHANNELS, None)


@login_required
def channel_edit(request, pk: int):
    return _write_page(request, CHANNELS, pk)


def _delete(request, model, pk: int, delete, what: str):
    """Asks first (GET); removes on POST."""
    obj = _visible(request, model, pk)
    _refuse_unless_manager(request, obj)
    if request.method != "POST":
        return render(request, "alerts/settings_confirm_delete.html", {"obj": obj, "what": what})
    delete(request, obj)
    messages.success(request, f"The {what} {obj.name} is removed.")
    return redirect("alert-settings")


@login_required
def rule_delete(request, pk: int):
    return _delete(request, AlertRule, pk, changes.delete_rule, "rule")


@login_required
def channel_delete(request, pk: int):
    return _delete(request, AlertChannel, pk, changes.delete_channel, "channel")
