"""The login page's form: Django's, refusing every attempt while the username or the client's
address is locked out after too many failed logins."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from portal.accounts.login_throttle import LoginThrottled, check_not_locked, note_failure, note_success

__all__ = ["ThrottledAuthenticationForm"]


class ThrottledAuthenticationForm(AuthenticationForm):
    # Seconds until the lockout ends, when the attempt was refused for it.
    throttled_for: int | None = None

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        try:
            check_not_locked(self.request, username)
        except LoginThrottled as exc:
            self.throttled_for = exc.seconds
            raise ValidationError(str(exc), code="throttled") from None
        try:
            cleaned = super().clean()
        except ValidationError:
            note_failure(self.request, username)
            raise
        note_success(username)
        return cleaned
