import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import reverse

from portal.access.policy import ANYWHERE, can
from portal.audit.choices import Outcome
from portal.audit.filters import FILTER_NAMES, AuditFilter, BadFilter
from portal.audit.models import AuditEvent
from portal.hosts.models import Host
from portal.refusals import NotFound

__all__ = ["audit_list"]

PAGE_SIZE = 50
FIELD_LABELS = {
    "user": "User",
    "action": "Action",
    "host": "Host",
    "outcome": "Outcome",
    "since": "From",
    "until": "To",
}


@login_required
def audit_list(request):
    """The audit trail the user may read, filtered, newest first, with a CSV export of the same rows."""
    if not can(request, "audit.view", ANYWHERE):
        raise NotFound("No audit trail is visible to you.", action="audit.view")
    visible = AuditEvent.objects.restrict(request, "audit.view")
    problem = ""
    try:
        events = AuditFilter.from_query(request.GET).apply(visible)
    except BadFilter as exc:
        problem = f"{FIELD_LABELS[exc.field]}: {exc.message}"
        events = visible.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page:
        event.detail_text = _detail_text(event.detail)
    chosen = {name: request.GET.get(name, "").strip() for name in FILTER_NAMES}
    export_query = request.GET.copy()
    export_query.pop("page", None)
    return render(
        request,
        "audit/audit_list.html",
        {
            "page": page,
            "chosen": chosen,
            "problem": problem,
            "hosts": Host.objects.restrict(request, "audit.view").only("pk", "slug", "name"),
            "outcomes": Outcome.choices,
            "actions": visible.order_by("action").values_list("action", flat=True).distinct(),
            "export_url": reverse("v1:audit-export") + (f"?{export_query.urlencode()}" if export_query else ""),
        },
    )


def _detail_text(detail: dict) -> str:
    """An event's detail on one line: key=value, with nested values as JSON."""
    return " · ".join(
        f"{key}={value if isinstance(value, str) else json.dumps(value, sort_keys=True)}"
        for key, value in detail.items()
    )
