import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from portal.access.policy import AccessScope, Role
from portal.hosts.signatures import _stream_noted
from portal.ingest.reports import apply_host_report
from portal.ws.streams import _shared_noted
from tests.portal.clock import T0
from tests.portal.factories import make_online_host, make_superuser
from tests.portal.inventory.factories import InventoryWorker

IN_MEMORY_CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


@pytest.fixture(autouse=True)
def in_memory_channel_layer(settings):
    """Events published by the code under test stay in this process instead of going to Redis."""
    settings.CHANNEL_LAYERS = IN_MEMORY_CHANNEL_LAYERS


@pytest.fixture(autouse=True)
def local_memory_cache(settings):
    """The cache (login throttle counts) lives in this process instead of Redis, empty for each test."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "berth-tests"}
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def forged_stream_notes_afresh():
    """Each test's host pages hear of forged stream messages at once (the 10 s throttle is per process)."""
    _stream_noted.clear()
    _shared_noted.clear()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def no_static_file_scan(settings):
    """WhiteNoise would index every static file (1,000+, vendored) for each test client."""
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def as_admin(api):
    api.force_authenticate(make_superuser())
    return api


@pytest.fixture
def web_1():
    return make_online_host("web-1")


@pytest.fixture
def web_2():
    return make_online_host("web-2")


@pytest.fixture
def host():
    """An online host whose engine answers: operations may be sent to it."""
    return make_online_host("web-1", engine_reachable=True)


@pytest.fixture
def sent(monkeypatch):
    """What would go to host queues: (slug, operation, auth_config) per task."""
    tasks = []
    monkeypatch.setattr("portal.operations.dispatch.send_operation_task", lambda *task: tasks.append(task))
    return tasks


@pytest.fixture
def worker():
    """The worker of host web-1 ("Web 1"), which said hello at T0."""
    worker = InventoryWorker("Web 1")
    apply_host_report(worker.report("hello"), now=T0)
    return worker


@pytest.fixture
def viewer_on(monkeypatch):
    """Makes a plain user a viewer on the given hosts only, as a team binding will."""

    def grant(user, *hosts):
        roles = {host.pk: Role.VIEWER for host in hosts}
        for_user = AccessScope.for_user

        def scope(who):
            if who is not None and who.pk == user.pk:
                return AccessScope(user_id=user.pk, host_roles=roles)
            return for_user(who)

        monkeypatch.setattr(AccessScope, "for_user", staticmethod(scope))
        return user

    return grant
