"""Re-encrypt every stack secret (git credentials, webhook secrets, versions' .env) with the first
key of BERTH_SECRET_KEYS, as `rotate_registry_secrets` does for registries: run both after putting
a new key first. Nothing changes if any secret is unreadable."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.registries.encryption import SecretUnreadable, reseal
from portal.stacks.models import GitSource, StackVersion

# Each model with the fields that hold sealed secrets.
SEALED = ((GitSource, ("secret_sealed", "webhook_secret_sealed")), (StackVersion, ("env_sealed",)))


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        count = 0
        with transaction.atomic():
            for model, fields in SEALED:
                for row in model.objects.select_for_update().order_by("pk").only("pk", *fields):
                    changed = [f for f in fields if getattr(row, f)]
                    for name in changed:
                        try:
                            setattr(row, name, reseal(getattr(row, name)))
                        except SecretUnreadable:
                            raise CommandError(
                                f"A secret of {model._meta.verbose_name} {row.pk} is readable with none of the keys "
                                "in BERTH_SECRET_KEYS; nothing was changed. Put back the key it was saved with."
                            ) from None
                    if changed:
                        row.save(update_fields=changed)
                        count += len(changed)
        self.stdout.write(f"Re-encrypted {count} stack secret{'s' if count != 1 else ''} with the current key.")
