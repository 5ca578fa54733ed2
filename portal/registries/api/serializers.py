from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from portal.registries.addresses import InvalidAddress, canonical_url
from portal.registries.models import Registry
from portal.teams.models import Team

__all__ = [
    "ConnectionSerializer",
    "RegistrySerializer",
    "RepositorySerializer",
    "SearchSerializer",
    "TagSerializer",
]


class RegistrySerializer(serializers.ModelSerializer):
    """A registry. `password` is write-only: never returned; left out or blank on an edit, the saved
    one is kept — unless `url` changes, which clears it. `check_connection` (default true) asks the
    registry before saving, refuses settings it does not accept, and pins `token_realm`."""

    name = serializers.CharField(
        max_length=100,
        validators=[UniqueValidator(Registry.objects.all(), message="A registry with this name already exists.")],
    )
    url = serializers.CharField(max_length=255)
    password = serializers.CharField(
        write_only=True, required=False, allow_blank=True, trim_whitespace=False, style={"input_type": "password"}
    )
    has_password = serializers.BooleanField(read_only=True)
    token_realm = serializers.CharField(
        read_only=True,
        help_text="The token service on another host that receives the credentials, pinned by the last save "
        "with the connection check (empty: none, or one on the registry's own host).",
    )
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), allow_null=True, required=False)
    team_name = serializers.CharField(source="team.name", read_only=True, default=None, allow_null=True)
    check_connection = serializers.BooleanField(write_only=True, required=False, default=True)

    class Meta:
        model = Registry
        fields = [
            "id",
            "name",
            "url",
            "username",
            "password",
            "has_password",
            "token_realm",
            "verify_tls",
            "team",
            "team_name",
            "builtin",
            "check_connection",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["builtin", "created_at", "updated_at"]

    def validate_url(self, value):
        try:
            return canonical_url(value)
        except InvalidAddress as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate(self, attrs):
        username = attrs.get("username", self.instance.username if self.instance else "")
        if attrs.get("password") and not username:
            raise serializers.ValidationError({"username": "A password needs a username."})
        return attrs


class PlatformSerializer(serializers.Serializer):
    digest = serializers.CharField()
    architecture = serializers.CharField()
    os = serializers.CharField()
    variant = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    created = serializers.CharField(allow_null=True)


@extend_schema_serializer(component_name="RegistryTag")  # images have a Tag of their own
class TagSerializer(serializers.Serializer):
    """A tag: from its manifest, the digest and media type; from its image config, the creation time
    and architecture; `size` is the compressed size of config and layers (null for a list, whose
    `platforms` hold each platform's). `reference` is what a pull takes."""

    name = serializers.CharField()
    digest = serializers.CharField()
    media_type = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    created = serializers.CharField(allow_null=True)
    architecture = serializers.CharField()
    os = serializers.CharField()
    platforms = PlatformSerializer(many=True)
    reference = serializers.CharField()


class RepositorySerializer(serializers.Serializer):
    name = serializers.CharField()


class ConnectionSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    answered = serializers.BooleanField()
    credentials = serializers.ChoiceField(["accepted", "refused", "none saved", "not checked"])
    detail = serializers.CharField()


class SearchHitSerializer(serializers.Serializer):
    registry = serializers.IntegerField()
    registry_name = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()


class SearchFailureSerializer(serializers.Serializer):
    registry = serializers.IntegerField()
    registry_name = serializers.CharField()
    detail = serializers.CharField()


class SearchSerializer(serializers.Serializer):
    results = SearchHitSerializer(many=True)
    unreachable = SearchFailureSerializer(many=True)
