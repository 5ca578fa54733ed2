"""Adding, changing and removing registries — the one path of the API and the pages. Each change
is checked against the registry first (unless asked not to), so a wrong password or URL is
refused with the registry's answer and the saved settings stay as they were; then it is saved
and audited in one transaction. Secrets never enter the audit trail.

The check made on saving pins the token service on another host that the registry names (see
portal/registries/client/session.py): credentials go there and nowhere else until the next save.
A password belongs to the address it was saved for: a change of URL (scheme, host or port) clears
it unless a new one comes with the change."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from portal.audit.choices import Outcome
from portal.audit.record import record
from portal.refusals import Refusal
from portal.registries.checks import check_connection
from portal.registries.models import Registry

__all__ = ["RegistryRefused", "change_registry", "create_registry", "delete_registry"]

FIELDS = ("name", "url", "username", "verify_tls", "team")


class RegistryRefused(Refusal):
    """A change Berth will not make; the sentence says why."""

    def __init__(self, message: str, status: int = 409, code: str = "conflict"):
        super().__init__(message, code, status=status)


def _check(
    request, action: str, target: Registry | None, url: str, username: str, password: str, verify_tls: bool
) -> str:
    """Asks the registry; a refusal is audited as a failed attempt (with the registry's reason).
    Returns the token service on another host to pin ("" for none)."""
    report = check_connection(url, username, password, verify_tls, learn_realm=True)
    if not report.ok:
        error = report.error
        record(
            action,
            request=request,
            target=target,
            target_type="registry",
            outcome=Outcome.FAILURE,
            detail={"url": url, "username": username, "reason": report.detail},
        )
        raise RegistryRefused(
            f"Not saved: {report.detail}", getattr(error, "status", 400), getattr(error, "code", "registry_error")
        )
    return report.token_realm


def _taken(name: str) -> RegistryRefused:
    return RegistryRefused(f"A registry named '{name}' already exists.", 409, "conflict")


def _detail(registry: Registry) -> dict:
    return {
        "name": registry.name,
        "url": registry.url,
        "username": registry.username,
        "verify_tls": registry.verify_tls,
        "team": registry.team.name if registry.team_id else None,
        "realm": registry.token_realm,  # (a key without "token": the audit trail drops those)
    }


def create_registry(
    request,
    *,
    name: str,
    url: str,
    username: str = "",
    password: str = "",
    verify_tls: bool = True,
    team=None,
    check: bool = True,
) -> Registry:
    token_realm = _check(request, "registry.create", None, url, username, password, verify_tls) if check else ""
    registry = Registry(
        name=name, url=url, username=username, verify_tls=verify_tls, team=team, token_realm=token_realm
    )
    registry.set_password(password)
    try:
        with transaction.atomic():
            registry.save()
            record("registry.create", request=request, target=registry, detail=_detail(registry))
    except IntegrityError:
        raise _taken(name) from None
    return registry


def change_registry(request, registry: Registry, *, password: str | None = None, check: bool = True, **fields):
    """Changes the fields given; a password of None or "" keeps the saved one, unless the URL changes
    (the password was given for the old address) or the username is cleared (anonymous access).
    With `check`, a change of settings, or a save that changes nothing, asks the registry and pins
    the token service it names anew."""
    if registry.builtin:
        raise RegistryRefused(
            f"{registry.name} is built in and cannot be changed; add a registry of your own with the same URL "
            "to use credentials with it."
        )
    changed = {field: value for field, value in fields.items() if field in FIELDS and getattr(registry, field) != value}
    anonymous = "username" in changed and not changed["username"]
    moved = "url" in changed
    new_password = password or None
    drop_password = new_password is None and (anonymous or moved) and registry.has_password
    settings_changed = new_password is not None or any(f in changed for f in ("url", "username", "verify_tls"))
    if check and (settings_changed or not changed):
        keep = "" if anonymous or moved else registry.password()
        try:
            realm = _check(
                request,
                "registry.change",
                registry,
                changed.get("url", registry.url),
                changed.get("username", registry.username),
                new_password if new_password is not None else keep,
                changed.get("verify_tls", registry.verify_tls),
            )
        except RegistryRefused as exc:
            if drop_password and not anonymous:
                hint = " The URL changed, so the password saved for the old address was not sent: enter it again."
                raise RegistryRefused(f"{exc}{hint}", exc.status, exc.code) from None
            raise
        if realm != registry.token_realm:
            changed["token_realm"] = realm
    elif moved and registry.token_realm:
        changed["token_realm"] = ""  # the token service was approved for the old address
    if not changed and new_password is None:
        return registry
    before = _detail(registry)
    try:
        with transaction.atomic():
            locked = Registry.objects.select_for_update().get(pk=registry.pk)
            for field, value in changed.items():
                setattr(locked, field, value)
            if new_password is not None:
                locked.set_password(new_password)
            elif drop_password:
                locked.set_password("")
            locked.save()
            what = sorted([*changed, *(["password"] if new_password is not None or drop_password else [])])
            record(
                "registry.change",
                request=request,
                target=locked,
                detail={**_detail(locked), "changed": what, "was": before},
            )
    except IntegrityError:
        raise _taken(changed.get("name", registry.name)) from None
    return locked


def delete_registry(request, registry: Registry) -> None:
    if registry.builtin:
        raise RegistryRefused(f"{registry.name} is built in and cannot be removed.")
    with transaction.atomic():
        record("registry.delete", request=request, target=registry, detail=_detail(registry))
        registry.delete()
