from django.apps import AppConfig


class TerminalsConfig(AppConfig):
    name = "portal.terminals"
    verbose_name = "Terminals"
