"""The add/edit form of the registry pages, validated here before anything is asked of a registry."""

from django import forms

from portal.registries.addresses import InvalidAddress, canonical_url
from portal.registries.models import Registry
from portal.teams.models import Team

__all__ = ["RegistryForm"]

TEXT = {"class": "form-control"}


class RegistryForm(forms.Form):
    name = forms.CharField(max_length=100, widget=forms.TextInput(TEXT))
    url = forms.CharField(
        label="URL",
        max_length=255,
        widget=forms.TextInput({**TEXT, "placeholder": "https://registry.example.com"}),
        help_text="https:// unless given; http:// for a registry without TLS.",
    )
    username = forms.CharField(max_length=255, required=False, widget=forms.TextInput(TEXT))
    password = forms.CharField(
        label="Password or token",
        required=False,
        strip=False,
        widget=forms.PasswordInput({**TEXT, "autocomplete": "new-password"}, render_value=False),
    )
    verify_tls = forms.BooleanField(
        label="Verify the registry's TLS certificate",
        required=False,
        initial=True,
        widget=forms.CheckboxInput({"class": "form-check-input"}),
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label="No team (admins only)",
        widget=forms.Select({"class": "form-select"}),
        help_text="Its members see this registry and, as developers, pull and push with it.",
    )
    check_connection = forms.BooleanField(
        label="Check the connection before saving",
        required=False,
        initial=True,
        widget=forms.CheckboxInput({"class": "form-check-input"}),
    )

    def __init__(self, *args, registry: Registry | None = None, **kwargs):
        self.registry = registry
        if registry is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": registry.name,
                    "url": registry.url,
                    "username": registry.username,
                    "verify_tls": registry.verify_tls,
                    "team": registry.team_id,
                    "check_connection": True,
                },
            )
        super().__init__(*args, **kwargs)
        if registry is not None and registry.has_password:
            self.fields["password"].help_text = (
                "A password is saved; leave this blank to keep it. A new URL clears it: it goes only to the "
                "address it was saved for."
            )
        if registry is not None and registry.token_realm:
            self.fields["check_connection"].help_text = (
                f"The credentials go to the token service at {registry.token_realm} too, pinned by the last "
                "checked save; a checked save pins the one the registry names now."
            )

    def clean_url(self):
        try:
            return canonical_url(self.cleaned_data["url"])
        except InvalidAddress as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        taken = Registry.objects.filter(name=name)
        if self.registry is not None:
            taken = taken.exclude(pk=self.registry.pk)
        if taken.exists():
            raise forms.ValidationError("A registry with this name already exists.")
        return name

    def clean(self):
        cleaned = super().clean()
        has_saved = self.registry is not None and self.registry.has_password and cleaned.get("username")
        if cleaned.get("password") and not cleaned.get("username"):
            self.add_error("username", "A password needs a username.")
        elif cleaned.get("username") and not cleaned.get("password") and not has_saved:
            self.add_error("password", "Enter the password or token for this username.")
        return cleaned
