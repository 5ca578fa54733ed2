"""How the OpenAPI schema describes Berth's token authentication (`Authorization: Token <key>`)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

__all__ = ["PersonalTokenScheme"]


class PersonalTokenScheme(OpenApiAuthenticationExtension):
    target_class = "portal.accounts.authentication.PersonalTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "A personal token, sent as `Token <key>` (POST /api/v1/auth/token/ issues one).",
        }
