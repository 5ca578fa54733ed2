import pytest

from tests.portal.factories import make_online_host


@pytest.fixture
def sent(monkeypatch):
    """What would go to host queues: (slug, operation, auth_config) per task."""
    tasks = []
    monkeypatch.setattr("portal.operations.dispatch.send_operation_task", lambda *task: tasks.append(task))
    return tasks


@pytest.fixture
def host():
    return make_online_host("web-1", engine_reachable=True)
