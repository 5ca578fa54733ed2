"""Enroll a host (adding it when Berth does not know it) and print, as JSON, the environment its
worker needs and any warning about the broker. `make run` enrolls the local host this way each
time it starts; its previous credentials stop working."""

import json

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.audit.record import record
from portal.hosts.enrollment import enroll
from portal.hosts.models import Host
from wire.names import host_slug


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("name", help="the host's name in Berth")

    def handle(self, *args, name: str, **options):
        try:
            slug = host_slug(name)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        with transaction.atomic():
            host, created = Host.objects.get_or_create(slug=slug, defaults={"name": name})
            enrollment = enroll(host)
            action = "host.create" if created else "host.rotate"
            record(action, target=host, host=host, detail={"name": host.name, "slug": slug, "by": "make run"})
        self.stdout.write(json.dumps({"env": enrollment.env, "warning": enrollment.warning}))
