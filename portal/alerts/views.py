"""The alerts pages: what fires now and the history (filtered), and one alert with its timeline.
Acknowledge and mute are buttons that call the API (static/berth/alerts.js)."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from portal.access.policy import can
from portal.alerts.choices import AlertState
from portal.alerts.models import Alert, AlertEntry, AlertRule, Delivery
from portal.hosts.models import Host

__all__ = ["alert_detail", "alert_list"]

PAGE = 50


def _number(request, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


@login_required
def alert_list(request):
    alerts = Alert.objects.restrict(request, "alert.view").select_related("host", "acknowledged_by")
    state = request.GET.get("state", "")
    host, rule = _number(request, "host"), _number(request, "rule")
    history = alerts
    if state in AlertState.values:
        history = history.filter(state=state)
    if host is not None:
        history = history.filter(host_id=host)
    if rule is not None:
        history = history.filter(rule_id=rule)
    context = {
        "firing": list(alerts.exclude(state=AlertState.RESOLVED)[:PAGE]),
        "page": Paginator(history, PAGE).get_page(request.GET.get("page")),
        "hosts": Host.objects.restrict(request, "alert.view").only("pk", "name"),
        "rules": AlertRule.objects.restrict(request, "alertrule.view").only("pk", "name"),
        "states": AlertState.choices,
        "chosen": {"state": state, "host": host, "rule": rule},
    }
    return render(request, "alerts/alert_list.html", context)


@login_required
def alert_detail(request, pk: int):
    alerts = Alert.objects.restrict(request, "alert.view").select_related("host", "acknowledged_by")
    alert = get_object_or_404(
        alerts.prefetch_related(
            Prefetch("entries", AlertEntry.objects.order_by("at", "id")),
            Prefetch("deliveries", Delivery.objects.select_related("channel")),
        ),
        pk=pk,
    )
    context = {"alert": alert, "may_acknowledge": can(request, "alert.acknowledge", alert)}
    return render(request, "alerts/alert_detail.html", context)
