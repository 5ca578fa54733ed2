"""The login page's form: Django's, with every attempt counted by the login throttle before its
password is tried, and refused while the address is locked out or the username must wait."""

from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from portal.accounts.login_throttle import LoginThrottled, attempt_failed, attempt_succeeded, begin_attempt

__all__ = ["ThrottledAuthenticationForm"]


class ThrottledAuthenticationForm(AuthenticationForm):
    # Seconds until the next attempt may be made, when the attempt was refused for it.
    throttled_for: int | None = None

    def clean(self):
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()
        try:
            begin_attempt(self.request, username)
        except LoginThrottled as exc:
            self.throttled_for = exc.seconds
            raise ValidationError(str(exc), code="throttled") from None
        try:
            cleaned = super().clean()
        except ValidationError:
            attempt_failed(self.request, username)
            raise
        attempt_succeeded(self.request, username)
        return cleaned
