"""Forms of the user and token pages: validated here, at the edge, before any change is made."""

from datetime import timedelta

from django import forms
from django.conf import settings
from django.contrib.auth.forms import SetPasswordForm, UserCreationForm
from django.utils import timezone

__all__ = ["NewTokenForm", "NewUserForm", "ResetPasswordForm"]

EXPIRY_CHOICES = [("7", "In 7 days"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]


def _expiry_choices() -> list[tuple[str, str]]:
    """The choices, the default lifetime first (BERTH_TOKEN_DAYS: "Never" only when it is 0)."""
    days = settings.BERTH_TOKEN_DAYS
    default = f"In {days:g} days (the default)" if days > 0 else "Never"
    return [("", default), *((value, label) for value, label in EXPIRY_CHOICES if float(value) != days)]


def _tabler(form: forms.Form) -> None:
    for field in form.fields.values():
        kind = getattr(field.widget, "input_type", "")
        css = {"checkbox": "form-check-input", "select": "form-select"}.get(kind, "form-control")
        field.widget.attrs.setdefault("class", css)


class NewUserForm(UserCreationForm):
    """A new account: username, email, password (twice, checked by the password validators)."""

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email", "is_superuser")
        labels = {"is_superuser": "Superuser (admin on every host)"}

    def __init__(self, *args, may_make_superusers: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not may_make_superusers:
            del self.fields["is_superuser"]
        _tabler(self)


class ResetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _tabler(self)


class NewTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What the token is for, e.g. “CI deploys”.")
    expires_in = forms.TypedChoiceField(
        choices=_expiry_choices, coerce=int, empty_value=None, required=False, label="Expires"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _tabler(self)

    def expires_at(self):
        """The expiry chosen, or None for the default lifetime (PersonalToken.issue applies it)."""
        days = self.cleaned_data.get("expires_in")
        return timezone.now() + timedelta(days=days) if days else None
