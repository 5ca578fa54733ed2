"""/api/v1/users/: user accounts, for admins of every host."""

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Prefetch, Q
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from portal.accounts import users
from portal.accounts.models import User
from portal.api.query_params import bool_param
from portal.api.viewsets import RestrictedViewSetMixin
from portal.teams.models import Team

__all__ = ["UserSerializer", "UserViewSet"]


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True,
        required=False,
        trim_whitespace=False,
        style={"input_type": "password"},
        help_text="Required for a new user; send it to set a new one. Never returned.",
    )
    teams = serializers.SlugRelatedField(many=True, read_only=True, slug_field="name")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "password",
            "is_active",
            "is_superuser",
            "teams",
            "date_joined",
            "last_login",
        ]
        read_only_fields = ["date_joined", "last_login"]

    def validate(self, attrs):
        password = attrs.get("password")
        if self.instance is None and not password:
            raise serializers.ValidationError({"password": "A new user needs a password."}, code="required")
        if password is not None:
            # The similarity check compares with the user as they will be once saved.
            candidate = User(
                username=attrs.get("username", getattr(self.instance, "username", "")),
                email=attrs.get("email", getattr(self.instance, "email", "")),
            )
            try:
                validate_password(password, user=candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}, code="weak_password") from None
        return attrs


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("q", str, description="Only users whose username or email contains this."),
            OpenApiParameter("is_active", bool, description="Only active (true) or deactivated (false) users."),
        ]
    )
)
class UserViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """User accounts and the teams they are in. Only admins of every host manage them; an admin
    cannot deactivate or delete themselves, and only a superuser may change a superuser."""

    queryset = (
        User.objects.all()
        .prefetch_related(Prefetch("teams", queryset=Team.objects.order_by("name").only("pk", "name")))
        .order_by("username")
    )
    serializer_class = UserSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    view_action = "user.manage"
    policy_actions = {
        "list": "user.manage",
        "retrieve": "user.manage",
        "create": "user.manage",
        "partial_update": "user.manage",
        "destroy": "user.manage",
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if q := self.request.query_params.get("q", "").strip():
            queryset = queryset.filter(Q(username__icontains=q) | Q(email__icontains=q))
        if (active := bool_param(self.request, "is_active")) is not None:
            queryset = queryset.filter(is_active=active)
        return queryset

    def perform_create(self, serializer):
        serializer.instance = users.create_user(self.request, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = users.change_user(self.request, serializer.instance, **serializer.validated_data)

    def perform_destroy(self, instance):
        users.delete_user(self.request, instance)
