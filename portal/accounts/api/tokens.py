"""/api/v1/tokens/: the caller's own personal tokens. The key is in the answer to POST, once."""

from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from portal.accounts.models import PersonalToken
from portal.accounts.tokens import issue_token, revoke_token
from portal.api.viewsets import RestrictedViewSetMixin

__all__ = ["NewPersonalTokenSerializer", "PersonalTokenSerializer", "TokenViewSet"]


class PersonalTokenSerializer(serializers.ModelSerializer):
    prefix = serializers.CharField(source="key_prefix", read_only=True, help_text="The key's first characters.")
    expired = serializers.SerializerMethodField()

    class Meta:
        model = PersonalToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "expired"]
        read_only_fields = ["created_at", "last_used_at"]
        extra_kwargs = {
            "expires_at": {
                "help_text": "When the token stops working. Left out or null: after the default lifetime "
                "(BERTH_TOKEN_DAYS, 90 days unless the admin set it; never when 0)."
            }
        }

    def get_expired(self, token) -> bool:
        return token.expired

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("A token's expiry must be in the future.", code="invalid")
        return value


class NewPersonalTokenSerializer(PersonalTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Send as `Authorization: Token <key>`. Shown this once.")

    class Meta(PersonalTokenSerializer.Meta):
        fields = [*PersonalTokenSerializer.Meta.fields, "key"]


@extend_schema_view(create=extend_schema(request=PersonalTokenSerializer, responses={201: NewPersonalTokenSerializer}))
class TokenViewSet(
    RestrictedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Your own personal tokens. Another user's token does not exist for you (404)."""

    queryset = PersonalToken.objects.all()
    serializer_class = PersonalTokenSerializer
    http_method_names = ["get", "post", "delete", "head", "options"]
    view_action = "token.own"
    policy_actions = {"list": "token.own", "retrieve": "token.own", "create": "token.own", "destroy": "token.own"}

    def create(self, request, *args, **kwargs):
        if request.auth is not None:
            # A leaked token must not be able to mint a successor that outlives its revocation.
            raise PermissionDenied(
                "A token cannot create tokens. Log in, or trade your password for one at /api/v1/auth/token/."
            )
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, key = issue_token(request, **serializer.validated_data)
        token.key = key  # on this instance only, for this one answer
        return Response(NewPersonalTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        revoke_token(self.request, instance)
