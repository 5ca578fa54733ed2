"""Registry secrets at rest: Fernet with keys from BERTH_SECRET_KEYS, rotated by a command."""

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command

from portal.registries.encryption import SecretUnreadable, open_secret, seal
from portal.registries.models import Registry

from .conftest import make_registry

pytestmark = pytest.mark.django_db


def test_a_secret_is_stored_encrypted_and_read_back(settings):
    settings.BERTH_SECRET_KEYS = ["a passphrase of the operator"]

    sealed = seal("s3cret")

    assert "s3cret" not in sealed and sealed != seal("s3cret")  # a fresh IV each time
    assert open_secret(sealed) == "s3cret"


def test_without_keys_the_key_is_derived_from_the_secret_key(settings):
    settings.BERTH_SECRET_KEYS = []
    sealed = seal("s3cret")

    settings.SECRET_KEY = "another secret key"

    with pytest.raises(SecretUnreadable):
        open_secret(sealed)


def test_a_fernet_key_is_used_as_it_is(settings):
    key = Fernet.generate_key()
    settings.BERTH_SECRET_KEYS = [key.decode()]

    assert Fernet(key).decrypt(seal("s3cret").encode()) == b"s3cret"


def test_rotation_re_encrypts_every_secret_with_the_first_key(settings, capsys):
    settings.BERTH_SECRET_KEYS = ["old key"]
    registries = [make_registry(password=f"password-{n}") for n in range(3)]
    make_registry(username="", password="")  # anonymous: nothing to rotate

    settings.BERTH_SECRET_KEYS = ["new key", "old key"]
    call_command("rotate_registry_secrets")
    settings.BERTH_SECRET_KEYS = ["new key"]

    assert "Re-encrypted 3 registry secrets" in capsys.readouterr().out
    assert [Registry.objects.get(pk=r.pk).password() for r in registries] == [f"password-{n}" for n in range(3)]


def test_rotation_without_the_old_key_changes_nothing_and_says_why(settings):
    settings.BERTH_SECRET_KEYS = ["old key"]
    registry = make_registry(password="kept")
    settings.BERTH_SECRET_KEYS = ["new key"]

    with pytest.raises(CommandError, match="readable with none of the keys"):
        call_command("rotate_registry_secrets")

    settings.BERTH_SECRET_KEYS = ["old key"]
    assert Registry.objects.get(pk=registry.pk).password() == "kept"


def test_an_unreadable_secret_is_a_409_with_a_sentence_not_a_500(settings, api):
    from tests.portal.factories import make_superuser

    settings.BERTH_SECRET_KEYS = ["old key"]
    registry = make_registry()
    settings.BERTH_SECRET_KEYS = ["new key"]
    api.force_authenticate(make_superuser())

    response = api.get(f"/api/v1/registries/{registry.pk}/repositories/")

    assert response.status_code == 409 and "Save the password again" in response.json()["detail"]
