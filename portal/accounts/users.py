"""Creating, changing and deleting user accounts — the one place the API and the pages go through.

Each change is one transaction and one audit event (never with the password in it). An admin
cannot deactivate, delete or demote themselves, and only a superuser may touch a superuser's
account or make one, so an admin of every host cannot take over a superuser's login.

An admin's reset of another user's password signs that user out everywhere (portal.accounts.sign_out):
their tokens are revoked, their sessions end and their open sockets close.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model, update_session_auth_hash
from django.db import IntegrityError, transaction

from portal.accounts.sign_out import sign_out_everywhere
from portal.audit.choices import Outcome
from portal.audit.record import record
from portal.teams.changes import ChangeRefused, NotAllowed

__all__ = ["change_user", "create_user", "delete_user"]

User = get_user_model()

ONLY_SUPERUSERS = "Only a superuser may change a superuser's account or make someone a superuser."


def _actor(request):
    return getattr(request, "user", None)


def _may_touch_superusers(request) -> bool:
    actor = _actor(request)
    return actor is not None and actor.is_superuser


def _not_allowed(request, action: str, *, target=None, detail: dict | None = None) -> NotAllowed:
    """The refusal, written to the audit trail as a denied attempt first."""
    record(action, request=request, target=target, outcome=Outcome.DENIED, detail=detail)
    return NotAllowed(ONLY_SUPERUSERS)


def _username_taken(username: str) -> ChangeRefused:
    return ChangeRefused(f"A user named '{username}' already exists.")


def create_user(
    request, *, username: str, password: str, email: str = "", is_active: bool = True, is_superuser: bool = False
):
    if is_superuser and not _may_touch_superusers(request):
        raise _not_allowed(request, "user.create", detail={"username": username, "is_superuser": True})
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                username=username, email=email, password=password, is_active=is_active, is_superuser=is_superuser
            )
            detail = {"username": username, "email": email, "is_active": is_active, "is_superuser": is_superuser}
            record("user.create", request=request, target=user, detail=detail)
    except IntegrityError:  # the same username taken at the same moment by someone else
        raise _username_taken(username) from None
    return user


def change_user(request, user, **changes):
    """Applies `changes` (username, email, is_active, is_superuser, password) to `user`."""
    actor = _actor(request)
    if (user.is_superuser or changes.get("is_superuser")) and not _may_touch_superusers(request):
        raise _not_allowed(request, "user.change", target=user, detail={"changed": sorted(changes)})
    password = changes.pop("password", None)
    changed = {field: value for field, value in changes.items() if getattr(user, field) != value}
    if actor is not None and actor.pk == user.pk:
        if changed.get("is_active") is False:
            raise ChangeRefused("You cannot deactivate your own account; ask another admin to do it.")
        if changed.get("is_superuser") is False:
            raise ChangeRefused("You cannot take away your own superuser status; ask another superuser to do it.")
    if not changed and password is None:
        return user
    reset = password is not None and (actor is None or actor.pk != user.pk)
    try:
        with transaction.atomic():
            for field, value in changed.items():
                setattr(user, field, value)
            if password is not None:
                user.set_password(password)
            user.save()
            names = sorted([*changed, *(["password"] if password is not None else [])])
            record("user.change", request=request, target=user, detail={"changed": names, **changed})
            if reset and (signed_out := sign_out_everywhere(user)).ended:
                ended = {"sessions": signed_out.sessions, "api": signed_out.tokens}
                record("user.sign_out", request=request, target=user, detail={"ended": ended, "why": "password reset"})
    except IntegrityError:
        user.refresh_from_db()
        raise _username_taken(changed.get("username", user.get_username())) from None
    if password is not None and actor is not None and actor.pk == user.pk and hasattr(request, "session"):
        update_session_auth_hash(request, user)  # a new password of one's own keeps this session
    return user


def delete_user(request, user) -> None:
    actor = _actor(request)
    if actor is not None and actor.pk == user.pk:
        raise ChangeRefused("You cannot delete your own account; ask another admin to do it.")
    if user.is_superuser and not _may_touch_superusers(request):
        raise _not_allowed(request, "user.delete", target=user)
    with transaction.atomic():
        record("user.delete", request=request, target=user, detail={"username": user.get_username()})
        user.delete()
