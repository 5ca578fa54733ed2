"""Team pages: teams, their members and role bindings, for admins of every host (404 for anyone else).

Each form posts to its own URL; a form with errors is shown again on the team's page, nothing
changed. Every change goes through portal.teams.changes, which audits it.
"""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.access.policy import can
from portal.hosts.models import Host
from portal.refusals import NotFound
from portal.teams import changes
from portal.teams.forms import AddMemberForm, BindingForm, TeamForm
from portal.teams.models import RoleBinding, Team, TeamMembership

__all__ = ["binding_add", "binding_remove", "member_add", "member_remove", "team_delete", "team_detail", "team_list"]

User = get_user_model()
MANAGE = "team.manage"


def _refused(request, exc: changes.ChangeRefused) -> None:
    messages.error(request, str(exc), extra_tags="danger")


def _bindings():
    return RoleBinding.objects.order_by("role", "pk").prefetch_related(
        Prefetch("hosts", queryset=Host.objects.order_by("name").only("pk", "name"))
    )


@login_required
def team_list(request):
    if not can(request, MANAGE):  # a 404, never a 403: the page does not tell who may use it
        raise NotFound("Not found, or not visible to you.", action=MANAGE)
    form = TeamForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            team = changes.create_team(request, **form.cleaned_data)
        except changes.ChangeRefused as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"Team {team.name} created. Add members and give it a role.")
            return redirect("team-detail", pk=team.pk)
    teams = Team.objects.annotate(member_count=Count("memberships")).prefetch_related(
        Prefetch("bindings", queryset=_bindings())
    )
    return render(request, "teams/team_list.html", {"teams": teams, "form": form})


def _detail_page(request, team: Team, **forms):
    context = {
        "team": team,
        "members": team.memberships.select_related("user").order_by("user__username"),
        "bindings": _bindings().filter(team=team),
        "team_form": forms.get("team_form") or TeamForm(instance=team, prefix="team"),
        "member_form": forms.get("member_form") or AddMemberForm(team, prefix="member"),
        "binding_form": forms.get("binding_form") or BindingForm(prefix="binding"),
    }
    return render(request, "teams/team_detail.html", context)


@login_required
def team_detail(request, pk: int):
    """The team's page; a POST renames it or changes its description."""
    team = get_object_or_404(Team.objects.restrict(request, MANAGE), pk=pk)
    if request.method != "POST":
        return _detail_page(request, team)
    # The form works on its own copy, so a rejected name never shows as the team's.
    form = TeamForm(request.POST, instance=Team.objects.get(pk=team.pk), prefix="team")
    if form.is_valid():
        try:
            changes.change_team(request, team, **form.cleaned_data)
        except changes.ChangeRefused as exc:
            form.add_error("name", str(exc))
        else:
            messages.success(request, f"Team {team.name} saved.")
            return redirect("team-detail", pk=team.pk)
    return _detail_page(request, team, team_form=form)


@login_required
def team_delete(request, pk: int):
    """Asks first (GET); deletes on POST."""
    team = get_object_or_404(Team.objects.annotate(member_count=Count("memberships")).restrict(request, MANAGE), pk=pk)
    if request.method != "POST":
        return render(request, "teams/team_confirm_delete.html", {"team": team})
    try:
        changes.delete_team(request, team)
    except changes.ChangeRefused as exc:
        _refused(request, exc)
        return redirect("team-detail", pk=pk)
    messages.success(request, f"Team {team.name} deleted; its members lost the roles it gave them.")
    return redirect("team-list")


@login_required
@require_POST
def member_add(request, pk: int):
    team = get_object_or_404(Team.objects.restrict(request, MANAGE), pk=pk)
    form = AddMemberForm(team, request.POST, prefix="member")
    if form.is_valid():
        user = form.cleaned_data["user"]
        try:
            changes.add_member(request, team, user)
        except changes.ChangeRefused as exc:
            form.add_error("user", str(exc))
        else:
            messages.success(request, f"{user.get_username()} added to {team.name}.")
            return redirect("team-detail", pk=team.pk)
    return _detail_page(request, team, member_form=form)


@login_required
@require_POST
def member_remove(request, pk: int, user_id: int):
    membership = get_object_or_404(
        TeamMembership.objects.select_related("team", "user").restrict(request, MANAGE), team_id=pk, user_id=user_id
    )
    try:
        changes.remove_member(request, membership)
    except changes.ChangeRefused as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{membership.user.get_username()} removed from {membership.team.name}.")
    return redirect("team-detail", pk=pk)


@login_required
@require_POST
def binding_add(request, pk: int):
    team = get_object_or_404(Team.objects.restrict(request, MANAGE), pk=pk)
    form = BindingForm(request.POST, prefix="binding")
    if form.is_valid():
        data = form.cleaned_data
        changes.add_binding(request, team, role=data["role"], all_hosts=data["all_hosts"], hosts=data["hosts"])
        messages.success(request, f"{team.name} is now {data['role']} on {_reach(data['all_hosts'], data['hosts'])}.")
        return redirect("team-detail", pk=team.pk)
    return _detail_page(request, team, binding_form=form)


def _reach(all_hosts: bool, hosts) -> str:
    return "all hosts" if all_hosts else ", ".join(host.name for host in hosts)


@login_required
@require_POST
def binding_remove(request, pk: int, binding_id: int):
    binding = get_object_or_404(
        RoleBinding.objects.select_related("team").restrict(request, MANAGE), team_id=pk, pk=binding_id
    )
    what = f"{binding.role} on {_reach(binding.all_hosts, binding.hosts.order_by('name'))}"
    try:
        changes.remove_binding(request, binding)
    except changes.ChangeRefused as exc:
        _refused(request, exc)
    else:
        messages.success(request, f"{binding.team.name} is no longer {what}.")
    return redirect("team-detail", pk=pk)
