"""Re-encrypt every saved registry password with the first key of BERTH_SECRET_KEYS.

Rotation: put the new key first in BERTH_SECRET_KEYS (keep the old one after it), restart Berth,
run this command, then drop the old key. Nothing changes if any secret is unreadable.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.registries.encryption import SecretUnreadable, reseal
from portal.registries.models import Registry


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        count = 0
        with transaction.atomic():
            for registry in Registry.objects.select_for_update().exclude(password_sealed="").order_by("pk"):
                try:
                    registry.password_sealed = reseal(registry.password_sealed)
                except SecretUnreadable:
                    raise CommandError(
                        f"The password of registry {registry.name!r} is readable with none of the keys in "
                        "BERTH_SECRET_KEYS; nothing was changed. Put back the key it was saved with."
                    ) from None
                registry.save(update_fields=["password_sealed"])
                count += 1
        self.stdout.write(f"Re-encrypted {count} registry secret{'s' if count != 1 else ''} with the current key.")
