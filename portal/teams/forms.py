"""Forms of the team pages: validated here, at the edge, before any change is made."""

from django import forms
from django.contrib.auth import get_user_model

from portal.hosts.models import Host
from portal.teams.bindings import binding_reach_problem
from portal.teams.choices import RoleName
from portal.teams.models import Team

__all__ = ["AddMemberForm", "BindingForm", "TeamForm"]

User = get_user_model()


class TeamForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["name", "description"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "description": forms.Textarea(attrs={"class": "form-control", "rows": 2}),
        }
        error_messages = {"name": {"unique": "A team with this name already exists."}}


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return user.get_username() if user.is_active else f"{user.get_username()} (deactivated)"


class AddMemberForm(forms.Form):
    user = UserChoiceField(
        queryset=User.objects.none(),
        empty_label="Choose a user…",
        widget=forms.Select(attrs={"class": "form-select"}),
        error_messages={"invalid_choice": "Choose a user who is not a member of this team yet."},
    )

    def __init__(self, team: Team, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.exclude(teams=team).order_by("username")


class BindingForm(forms.Form):
    role = forms.ChoiceField(choices=RoleName.choices, widget=forms.Select(attrs={"class": "form-select"}))
    all_hosts = forms.BooleanField(
        required=False, label="All hosts", widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    hosts = forms.ModelMultipleChoiceField(
        queryset=Host.objects.order_by("name").only("pk", "name"),
        required=False,
        widget=forms.SelectMultiple(attrs={"class": "form-select", "size": 5}),
        help_text="Or the hosts this role holds on.",
    )

    def clean(self):
        cleaned = super().clean()
        if "hosts" in cleaned and (problem := binding_reach_problem(cleaned.get("all_hosts"), cleaned["hosts"])):
            self.add_error("hosts", problem)
        return cleaned
