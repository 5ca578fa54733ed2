from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.accounts.models import PersonalToken

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
            201: inline_serializer("Token", {"token": serializers.CharField(), "name": serializers.CharField()})
        },
    )
    def post(self, request):
        data = ObtainTokenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, username=data.validated_data["username"], password=data.validated_data["password"])
        if user is None:
            raise ValidationError("Unable to log in with the username and password given.", code="invalid_credentials")
        token, key = PersonalToken.issue(user, data.validated_data["name"])
        return Response({"token": key, "name": token.name}, status=status.HTTP_201_CREATED)
