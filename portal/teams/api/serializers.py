from django.contrib.auth import get_user_model
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from portal.api.query_params import LARGEST_ID
from portal.hosts.models import Host
from portal.teams.bindings import binding_reach_problem
from portal.teams.models import RoleBinding, Team, TeamMembership

__all__ = ["BindingSerializer", "MemberSerializer", "TeamSerializer"]

User = get_user_model()


class TeamSerializer(serializers.ModelSerializer):
    name = serializers.CharField(
        max_length=100,
        validators=[UniqueValidator(Team.objects.all(), message="A team with this name already exists.")],
    )
    members = serializers.SlugRelatedField(many=True, read_only=True, slug_field="username")

    class Meta:
        model = Team
        fields = ["id", "name", "description", "members", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class MemberSerializer(serializers.ModelSerializer):
    """One member of a team: `user` is the user's id."""

    user = serializers.IntegerField(source="user_id", min_value=1)
    username = serializers.CharField(source="user.username", read_only=True)
    is_active = serializers.BooleanField(source="user.is_active", read_only=True)

    class Meta:
        model = TeamMembership
        fields = ["user", "username", "is_active", "created_at"]
        read_only_fields = ["created_at"]

    def validate_user(self, value):
        user = User.objects.filter(pk=value).first()
        if user is None:
            raise serializers.ValidationError(f"No user with id {value}.", code="does_not_exist")
        self.context["member"] = user
        return value


class HostIdsField(serializers.ListField):
    """The ids of a binding's hosts: read from its many-to-many, written as a list of ids."""

    child = serializers.IntegerField(min_value=1)

    def to_representation(self, data):
        return [host.pk for host in data.all()]

    def to_internal_value(self, data):
        if isinstance(data, list):
            wrong = [item for item in data if isinstance(item, bool) or not str(item).isdigit() or int(item) < 1]
            if wrong:
                raise serializers.ValidationError(
                    f"Hosts are named by id (a number), not {wrong[0]!r}.", code="invalid"
                )
        return super().to_internal_value(data)


class BindingSerializer(serializers.ModelSerializer):
    """A team's role on all hosts (`all_hosts`) or on the hosts listed (`hosts`, ids): exactly one."""

    hosts = HostIdsField(required=False)

    class Meta:
        model = RoleBinding
        fields = ["id", "role", "all_hosts", "hosts", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]

    def validate_hosts(self, value):
        wanted = sorted(set(value))
        # A number beyond any id names no host (and SQLite would raise on it rather than find none).
        found = Host.objects.filter(pk__in=[pk for pk in wanted if pk <= LARGEST_ID]).order_by("pk")
        missing = sorted(set(wanted) - {host.pk for host in found})
        if missing:
            ids = ", ".join(str(pk) for pk in missing)
            raise serializers.ValidationError(f"No host with id {ids}.", code="does_not_exist")
        return list(found)

    def validate(self, attrs):
        binding = self.instance
        if binding is not None:
            # A change of reach may name only the side it moves to: the other side follows.
            if attrs.get("all_hosts") is True and "hosts" not in attrs:
                attrs["hosts"] = []
            if attrs.get("hosts") and "all_hosts" not in attrs:
                attrs["all_hosts"] = False
        all_hosts = attrs.get("all_hosts", binding.all_hosts if binding is not None else False)
        hosts = attrs["hosts"] if "hosts" in attrs else (list(binding.hosts.all()) if binding is not None else [])
        if problem := binding_reach_problem(all_hosts, hosts):
            raise serializers.ValidationError({"hosts": problem}, code="invalid")
        return attrs
