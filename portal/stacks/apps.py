from django.apps import AppConfig


class StacksConfig(AppConfig):
    name = "portal.stacks"
    verbose_name = "Stacks"

    def ready(self):
        # Models are importable only once the app registry is ready, hence here.
        from portal.operations.resources import register_finish, register_target
        from portal.stacks.finish import finish_stack_operation
        from portal.stacks.models import Stack

        register_target("stack", Stack)
        register_finish("stack.", finish_stack_operation)
