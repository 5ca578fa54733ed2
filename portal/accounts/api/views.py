from django.contrib.auth import authenticate
from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ErrorDetail, Throttled, ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.accounts.login_throttle import LoginThrottled, attempt_failed, attempt_succeeded, begin_attempt
from portal.accounts.models import PersonalToken
from portal.audit.record import record

__all__ = ["ObtainTokenView"]


class ObtainTokenSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False, write_only=True)
    name = serializers.CharField(required=False, max_length=100, default="API token")


class ObtainTokenView(APIView):
    """Trade a username and password for a new personal token (shown once)."""

    authentication_classes = []
    permission_classes = [AllowAny]
    serializer_class = ObtainTokenSerializer

    @extend_schema(
        request=ObtainTokenSerializer,
        responses={
            201: inline_serializer("Token", {"token": serializers.CharField(), "name": serializers.CharField()}),
            429: OpenApiResponse(
                description="Too many failed logins from this address (locked out), or for this username "
                "(it must wait a few seconds)."
            ),
        },
    )
    def post(self, request):
        data = ObtainTokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        try:
            begin_attempt(request, username)
        except LoginThrottled as exc:
            raise LoginThrottledError(exc) from None
        # A failed attempt is audited by the user_login_failed signal that authenticate sends.
        user = authenticate(request, username=username, password=data.validated_data["password"])
        if user is None:
            attempt_failed(request, username)
            raise ValidationError("Unable to log in with the username and password given.", code="invalid_credentials")
        attempt_succeeded(request, username)
        with transaction.atomic():
            token, key = PersonalToken.issue(user, data.validated_data["name"])
            record(
                "token.create",
                request=request,
                user=user,
                target=token,
                detail={"name": token.name, "prefix": token.key_prefix, "by": "password"},
            )
        return Response({"token": key, "name": token.name}, status=status.HTTP_201_CREATED)


class LoginThrottledError(Throttled):
    """A 429 with Retry-After, whose detail is the throttle's own sentence."""

    def __init__(self, throttled: LoginThrottled):
        super().__init__(wait=throttled.seconds)
        self.detail = ErrorDetail(str(throttled), code="throttled")
