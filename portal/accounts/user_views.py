"""User pages, for admins of every host (a 404 for anyone else): list with teams, create,
activate/deactivate, reset a password. Every change goes through portal.accounts.users."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from portal.access.policy import can
from portal.accounts import users
from portal.accounts.forms import NewUserForm, ResetPasswordForm
from portal.accounts.models import User
from portal.refusals import NotFound
from portal.teams.changes import ChangeRefused
from portal.teams.models import Team

__all__ = ["user_active", "user_list", "user_password"]

MANAGE = "user.manage"


@login_required
def user_list(request):
    if not can(request, MANAGE):  # a 404, never a 403: the page does not tell who may use it
        raise NotFound("Not found, or not visible to you.", action=MANAGE)
    form = NewUserForm(request.POST or None, may_make_superusers=request.user.is_superuser)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = users.create_user(
                request,
                username=data["username"],
                email=data.get("email", ""),
                password=data["password1"],
                is_superuser=data.get("is_superuser", False),
            )
        except ChangeRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"User {user.get_username()} created. Add them to a team to give them access.")
            return redirect("user-list")
    accounts = User.objects.order_by("username").prefetch_related(
        Prefetch("teams", queryset=Team.objects.order_by("name").only("pk", "name"))
    )
    return render(request, "accounts/user_list.html", {"accounts": accounts, "form": form})


@login_required
@require_POST
def user_active(request, pk: int):
    """Activates (`is_active=1`) or deactivates (`is_active=0`) an account."""
    user = get_object_or_404(User.objects.restrict(request, MANAGE), pk=pk)
    active = request.POST.get("is_active") == "1"
    try:
        users.change_user(request, user, is_active=active)
    except ChangeRefused as exc:
        messages.error(request, str(exc), extra_tags="danger")
    else:
        state = "active again" if active else "deactivated: their sessions, tokens and open sockets stop working"
        messages.success(request, f"{user.get_username()} is {state}.")
    return redirect("user-list")


@login_required
def user_password(request, pk: int):
    user = get_object_or_404(User.objects.restrict(request, MANAGE), pk=pk)
    form = ResetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            users.change_user(request, user, password=form.cleaned_data["new_password1"])
        except ChangeRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"{user.get_username()}'s password was changed. They are signed out everywhere: their API tokens "
                "are revoked, their sessions ended and their open connections closed.",
            )
            return redirect("user-list")
    return render(request, "accounts/user_password.html", {"account": user, "form": form})
