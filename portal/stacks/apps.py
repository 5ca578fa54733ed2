from django.apps import AppConfig


class StacksConfig(AppConfig):
    name = "portal.stacks"
    verbose_name = "Stacks"

    def ready(self):
        # Models are importable only once the app registry is ready, hence here.
        from portal.operations.resources import register_finish
        from portal.stacks.finish import finish_stack_operation

        register_finish("stack.", finish_stack_operation)
