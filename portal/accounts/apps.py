from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    verbose_name = "Accounts"

    def ready(self):
        from portal.accounts import schema  # noqa: F401  (registers the token scheme with the API schema)
