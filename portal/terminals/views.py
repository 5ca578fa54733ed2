from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from portal.access.policy import ANYWHERE, can
from portal.containers.models import Container
from portal.refusals import NotFound
from portal.terminals.files import recording_response
from portal.terminals.models import SessionInvite, TerminalSession

__all__ = ["console", "session_detail", "session_list", "session_recording", "session_watch"]

PAGE_SIZE = 50
VIEW = "session.view"  # one's own sessions, and others' where one may read them
EXEC = "container.exec"
WATCH = "session.watch"  # live ones others may watch: admins of the host, those invited


def _tab(container: Container, kind: str = "terminal") -> dict:
    return {
        "container": container.pk,
        "name": container.name,
        "host": container.host.name,
        "state": container.state,
        "kind": kind,
    }


@login_required
def console(request):
    """Terminals in tabs; `?container=<id>` (and `&kind=attach`) opens one at once."""
    if not can(request, EXEC, ANYWHERE):
        raise NotFound("You may not open a terminal on any host.", action=EXEC)
    initial = None
    if pk := request.GET.get("container", "").strip():
        if not pk.isdigit():
            raise Http404("No such container.")
        container = get_object_or_404(
            Container.objects.select_related("host").restrict(request, "container.view"), pk=pk
        )
        if not can(request, EXEC, container):
            raise NotFound("You may not open a terminal on this container's host.", action=EXEC, target=container)
        initial = _tab(container, "attach" if request.GET.get("kind") == "attach" else "terminal")
    return render(
        request,
        "terminals/console.html",
        {"initial_tab": initial, "containers_api": reverse("v1:container-list")},
    )


@login_required
def session_list(request):
    restricted = TerminalSession.objects
    invited = restricted.restrict(request, WATCH).filter(ended_at=None)
    sessions = (restricted.restrict(request, VIEW) | invited).distinct().select_related("host")
    if user := request.GET.get("user", "").strip():
        sessions = sessions.filter(username=user)
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    live = [session.pk for session in page if session.ended_at is None]
    may = {
        action: set(restricted.restrict(request, action).filter(pk__in=live).values_list("pk", flat=True))
        for action in (WATCH, "session.invite", "session.end")
    }
    invitees: dict[int, list[str]] = {}
    for session_pk, username in SessionInvite.objects.filter(session_id__in=may["session.invite"]).values_list(
        "session_id", "user__username"
    ):
        invitees.setdefault(session_pk, []).append(username)
    for session in page:
        session.may_watch = session.pk in may[WATCH] and session.user_id != request.user.pk
        session.may_invite = session.pk in may["session.invite"]
        session.invitees = invitees.get(session.pk, [])
        session.may_end = session.pk in may["session.end"]
    return render(request, "terminals/session_list.html", {"page": page, "user_filter": user})


@login_required
def session_detail(request, pk: int):
    session = get_object_or_404(TerminalSession.objects.restrict(request, VIEW), pk=pk)
    recording_url = reverse("session-recording", args=[session.pk]) if session.recording else ""
    return render(request, "terminals/session_detail.html", {"session": session, "recording_url": recording_url})


@login_required
def session_recording(request, pk: int):
    return recording_response(get_object_or_404(TerminalSession.objects.restrict(request, VIEW), pk=pk))


@login_required
def session_watch(request, pk: int):
    """A live session, read-only, through `/ws/sessions/{id}/watch/`."""
    session = get_object_or_404(TerminalSession.objects.restrict(request, WATCH).filter(ended_at=None), pk=pk)
    return render(request, "terminals/session_watch.html", {"session": session})
