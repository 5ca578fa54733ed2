import pytest

IN_MEMORY_CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def in_memory_channel_layer(settings):
    """Events published by the code under test stay in this process instead of going to Redis."""
    settings.CHANNEL_LAYERS = IN_MEMORY_CHANNEL_LAYERS


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
