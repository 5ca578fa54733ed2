"""Logins, failed logins and logouts go into the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal.audit.choices import Outcome
from portal.audit.record import record


@receiver(user_logged_in, dispatch_uid="berth-audit-login")
def audit_login(sender, request, user, **kwargs):
    record("login", request=request, user=user)


@receiver(user_login_failed, dispatch_uid="berth-audit-login-failed")
def audit_login_failed(sender, credentials, request=None, **kwargs):
    # Only the username: `credentials` holds the password too, which never lands anywhere.
    record("login", request=request, outcome=Outcome.FAILURE, detail={"username": credentials.get("username", "")})


@receiver(user_logged_out, dispatch_uid="berth-audit-logout")
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record("logout", request=request, user=user)
