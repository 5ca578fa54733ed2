"""The page of one's own personal tokens: create (the key shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.accounts.forms import NewTokenForm
from portal.accounts.models import PersonalToken
from portal.accounts.tokens import issue_token, revoke_token

__all__ = ["token_list", "token_revoke"]

OWN = "token.own"


@never_cache  # the answer to a POST carries the new key: no cache may keep it
@login_required
def token_list(request):
    form = NewTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        token, key = issue_token(request, name=form.cleaned_data["name"], expires_at=form.expires_at())
        created = {"token": token, "key": key}
        form = NewTokenForm()
    tokens = PersonalToken.objects.restrict(request, OWN)
    return render(request, "accounts/token_list.html", {"tokens": tokens, "form": form, "created": created})


@login_required
@require_POST
def token_revoke(request, pk: int):
    token = get_object_or_404(PersonalToken.objects.restrict(request, OWN), pk=pk)
    revoke_token(request, token)
    messages.success(request, f"Token {token.name} revoked: requests made with it are refused from now on.")
    return redirect("token-list")
