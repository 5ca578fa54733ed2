"""`manage.py ensure_admin`: the first admin, and how to log in."""

import io
import re
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings, tmp_path, monkeypatch):
    settings.DATA_DIR = tmp_path
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    return tmp_path


def ensure_admin() -> str:
    out = io.StringIO()
    call_command("ensure_admin", stdout=out)
    return out.getvalue()


def test_a_fresh_install_gets_an_admin_with_a_generated_password_shown_once(data_dir):
    output = ensure_admin()

    password = re.search(r"username 'admin', password '([^']+)'", output).group(1)
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password(password)
    kept = data_dir / "admin-password"
    assert kept.read_text() == password + "\n"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert str(kept) in output


def test_running_again_keeps_the_admin_and_its_password(data_dir):
    first = ensure_admin()
    password = re.search(r"password '([^']+)'", first).group(1)

    again = ensure_admin()

    assert get_user_model().objects.count() == 1
    assert get_user_model().objects.get(username="admin").check_password(password)
    assert password not in again
    assert again.strip() == f"Log in as 'admin' with the password kept in {data_dir / 'admin-password'}."
    assert (data_dir / "admin-password").read_text() == password + "\n"


def test_the_admin_can_come_from_the_environment(data_dir, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root-of-all")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "from the environment")

    output = ensure_admin()

    user = get_user_model().objects.get()
    assert user.username == "root-of-all"
    assert user.is_superuser
    assert user.check_password("from the environment")
    assert "from the environment" not in output
    assert not (data_dir / "admin-password").exists()


def test_running_again_with_the_environment_changes_nothing(data_dir, monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "root-of-all")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "from the environment")
    ensure_admin()
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a different one")

    ensure_admin()

    user = get_user_model().objects.get()
    assert user.check_password("from the environment")


def test_an_existing_superuser_under_another_name_is_not_joined_by_admin(data_dir):
    get_user_model().objects.create_superuser("ada", password="whatever-it-is")

    output = ensure_admin()

    assert output.strip() == "An admin account exists already; log in with it."
    assert not get_user_model().objects.filter(username="admin").exists()
    assert not (data_dir / "admin-password").exists()
