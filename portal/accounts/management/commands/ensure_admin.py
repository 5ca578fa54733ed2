"""Create Berth's first admin unless one exists, and say how to log in.

The account comes from DJANGO_SUPERUSER_USERNAME / DJANGO_SUPERUSER_PASSWORD when set;
otherwise the username is `admin` and a generated password is printed once and kept,
readable by root only, in the data directory.
"""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

PASSWORD_FILE = "admin-password"  # noqa: S105 (a file name)


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options):
        User = get_user_model()
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or "admin"
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        password_file = settings.DATA_DIR / PASSWORD_FILE
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            if password:
                hint = "the password in DJANGO_SUPERUSER_PASSWORD when it was created"
            elif password_file.exists():
                hint = f"the password kept in {password_file}"
            else:
                hint = "its password"
            self.stdout.write(f"Log in as '{username}' with {hint}.")
            return
        if User.objects.filter(is_superuser=True).exists() and not os.environ.get("DJANGO_SUPERUSER_USERNAME"):
            self.stdout.write("An admin account exists already; log in with it.")
            return
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        User.objects.create_superuser(username=username, email="", password=password)
        if generated:
            fd = os.open(password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(password + "\n")
            self.stdout.write(
                f"Created the first admin: username '{username}', password '{password}' "
                f"(shown once; also kept in {password_file})."
            )
        else:
            self.stdout.write(f"Created the first admin '{username}' with the password in DJANGO_SUPERUSER_PASSWORD.")
