"""Git stacks in the portal (issue 15, item 5), against a real git served over smart HTTP on
127.0.0.1 (tests/support/git_server.py) and the portal worker's code called directly: a developer
creates one (viewers and operators may not, nor rotate its webhook secret), the deploy is recorded
but waits for the fetch, which records version 1 with its commit and sends the host its files; a
webhook with the right signature redeploys only a changed commit, a wrong one is a 403 and nothing
happens, one whose owner lost the role is refused by the policy; bad input is a sentence; polls ask
only when due and deploy only a new commit; secrets are never shown."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import subprocess
import tempfile
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.audit.models import AuditEvent
from portal.operations.models import Operation
from portal.stacks.git_deploy import run_git_deploy
from portal.stacks.git_repository import Credentials, GitFailed, fetch
from portal.stacks.models import GitSource, Stack, StackVersion
from portal.stacks.tasks import check_polled_stack, kick_due_polls
from portal.teams.models import RoleBinding
from tests.portal.factories import developer_on, make_binding, make_team, make_user
from tests.support.git_server import GIT_USER, GitServer, commit_file

pytestmark = pytest.mark.django_db

COMPOSE = "services:\n  web:\n    image: berth/busybox:latest\n    command: sleep 300\n"


@pytest.fixture(autouse=True)
def commit_at_once(monkeypatch):
    monkeypatch.setattr("django.db.transaction.on_commit", lambda callback, *args, **kwargs: callback())


@pytest.fixture
def kicked(monkeypatch):
    """The portal tasks asked for (fetch-and-deploy), instead of a broker."""
    asked = []
    monkeypatch.setattr(
        "portal.stacks.git_deploy.celery_app.send_task", lambda name, args, queue: asked.append(args[0])
    )
    monkeypatch.setattr("portal.stacks.tasks.git_poll.apply_async", lambda args, queue: asked.append(("poll", args[0])))
    return asked


@pytest.fixture
def repo(tmp_path, settings):
    """A repository `shop.git` with compose.yaml and a .env on main, served on 127.0.0.1."""
    settings.BERTH_GIT_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    work = tmp_path / "work"
    subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    first = commit_file(work, {"compose.yaml": COMPOSE, ".env": "GREETING=hello\n"}, "first")
    (tmp_path / "served").mkdir()
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(tmp_path / "served" / "shop.git")], check=True)
    subprocess.run(["git", "remote", "add", "origin", str(tmp_path / "served" / "shop.git")], cwd=work, check=True)
    server = GitServer(tmp_path / "served").start()
    server.work, server.first = work, first
    yield server
    server.stop()


def push(repo, files: dict[str, str], message: str) -> str:
    sha = commit_file(repo.work, files, message)
    subprocess.run(
        ["git", "push", "-q", "origin", "main"], cwd=repo.work, check=True, env={**GIT_USER, "PATH": "/usr/bin:/bin"}
    )
    return sha


def user_with(api, host, role):
    user = make_user()
    make_binding(make_team(user), role, host)
    api.force_authenticate(user)
    return user


def create(api, host, url, **git):
    return api.post("/api/v1/stacks/", {"host": host.pk, "name": "shop", "git": {"url": url, **git}}, format="json")


def hook(api, stack_id, secret, body=None, **headers):
    body = json.dumps(body if body is not None else {"ref": "refs/heads/main"}).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    api.logout()
    return api.post(
        f"/api/v1/stacks/{stack_id}/webhook/",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature, "X-GitHub-Event": "push", **headers},
    )


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_viewers_and_operators_may_not_create_a_git_stack(api, host, sent, kicked, repo, role):
    user_with(api, host, role)

    answer = create(api, host, repo.url("shop.git"))

    assert answer.status_code == 403, answer.json()
    assert not Stack.objects.exists() and not kicked


def test_a_developers_git_stack_is_fetched_by_the_portal_worker_and_deployed_with_its_commit(
    api, host, sent, kicked, repo
):
    developer_on(api, host)

    answer = create(api, host, repo.url("shop.git"), credentials={"username": "ci", "token": "tok-123"})

    assert answer.status_code == 202, answer.json()
    secret = answer.json()["webhook"]["secret"]
    assert answer.json()["webhook"]["url"].endswith(f"/api/v1/stacks/{Stack.objects.get().pk}/webhook/")
    operation = Operation.objects.get(pk=answer.json()["id"])
    assert operation.state == "pending" and kicked == [operation.pk] and sent == []  # waits for the fetch
    source = GitSource.objects.get()
    assert "tok-123" not in source.secret_sealed and source.secret == "tok-123"
    assert secret not in source.webhook_secret_sealed and source.webhook_secret == secret

    assert run_git_deploy(operation.pk) == "sent"
    assert run_git_deploy(operation.pk) == "gone"  # a task delivered twice fetches once

    version = StackVersion.objects.get()
    assert (version.number, version.commit, version.env) == (1, repo.first, "GREETING=hello\n")
    [(_slug, message, _auth)] = sent
    assert message["id"] == operation.pk and message["params"]["compose"] == COMPOSE
    assert message["params"]["env"] == "GREETING=hello\n"
    shown = api.get(f"/api/v1/stacks/{version.stack_id}/").json()
    assert shown["source"] == "git" and shown["git"]["has_credentials"] is True
    assert shown["git"]["last_commit"] == repo.first
    text = json.dumps(shown) + json.dumps(api.get(f"/api/v1/operations/{operation.pk}/").json())
    assert "tok-123" not in text and secret not in text
    assert "tok-123" not in json.dumps(list(AuditEvent.objects.values("detail")))


def deployed_git_stack(api, host, sent, kicked, repo):
    """A developer's git stack, version 1 deployed; answers (stack, webhook secret)."""
    developer_on(api, host)
    answer = create(api, host, repo.url("shop.git"))
    run_git_deploy(answer.json()["id"])
    StackVersion.objects.update(state="deployed")
    Operation.objects.update(state="succeeded")
    sent.clear()
    kicked.clear()
    return Stack.objects.get(), answer.json()["webhook"]["secret"]


def test_a_signed_webhook_redeploys_a_new_commit_and_a_replay_then_does_nothing(api, host, sent, kicked, repo):
    stack, secret = deployed_git_stack(api, host, sent, kicked, repo)
    second = push(repo, {"compose.yaml": COMPOSE.replace("300", "301")}, "second")

    answer = hook(api, stack.pk, secret)

    assert answer.status_code == 202, answer.json()
    operation = Operation.objects.get(pk=answer.json()["id"])
    assert operation.username == f"webhook (for {stack.git.owner.username})" and operation.user is None
    assert run_git_deploy(operation.pk) == "sent"
    assert StackVersion.objects.get(number=2).commit == second and "301" in sent[0][1]["params"]["compose"]
    StackVersion.objects.filter(number=2).update(state="deployed")
    Operation.objects.update(state="succeeded")

    replay = hook(api, stack.pk, secret)

    assert replay.status_code == 202
    assert run_git_deploy(replay.json()["id"]) == "unchanged"
    replayed = Operation.objects.get(pk=replay.json()["id"])
    assert replayed.state == "succeeded" and replayed.result == {"unchanged": True, "commit": second}
    assert StackVersion.objects.count() == 2 and len(sent) == 1
    assert AuditEvent.objects.filter(action="stack.deploy", username__startswith="webhook").count() == 2


@pytest.mark.parametrize(
    "headers",
    [{"X-Hub-Signature-256": "sha256=" + "0" * 64}, {"X-Hub-Signature-256": None}, {"X-Gitlab-Token": "guess"}],
    ids=["wrong", "missing", "gitlab-wrong"],
)
def test_a_wrongly_signed_webhook_is_a_403_and_nothing_happens(api, host, sent, kicked, repo, headers):
    stack, _secret = deployed_git_stack(api, host, sent, kicked, repo)
    before = Operation.objects.count()
    body = json.dumps({"ref": "refs/heads/main"}).encode()
    sent_headers = {k: v for k, v in headers.items() if v is not None}
    api.logout()

    answer = api.post(
        f"/api/v1/stacks/{stack.pk}/webhook/", body, content_type="application/json", headers=sent_headers
    )

    assert answer.status_code == 403 and answer.json()["code"] == "bad_signature"
    assert answer.json()["detail"].endswith(".")
    assert Operation.objects.count() == before and kicked == [] and sent == []
    assert AuditEvent.objects.filter(action="stack.deploy", outcome="denied").exists()


def test_a_push_to_another_branch_and_a_ping_are_answered_and_ignored(api, host, sent, kicked, repo):
    stack, secret = deployed_git_stack(api, host, sent, kicked, repo)

    other = hook(api, stack.pk, secret, {"ref": "refs/heads/feature"})
    ping = hook(api, stack.pk, secret, {"zen": "hi"}, **{"X-GitHub-Event": "ping"})

    assert other.status_code == 200 and "refs/heads/feature" in other.json()["detail"]
    assert ping.status_code == 200 and "verified" in ping.json()["detail"]
    assert kicked == []


def test_a_webhook_whose_owner_lost_the_developer_role_is_refused_by_the_policy(api, host, sent, kicked, repo):
    stack, secret = deployed_git_stack(api, host, sent, kicked, repo)
    RoleBinding.objects.update(role="operator")

    answer = hook(api, stack.pk, secret)

    assert answer.status_code == 403 and "may no longer deploy" in answer.json()["detail"]
    assert kicked == []


def test_a_webhook_of_a_stack_that_is_not_from_git_is_a_404(api, host, sent):
    stack = Stack.objects.create(host=host, name="plain")

    assert hook(api, stack.pk, "x").status_code == 404
    assert hook(api, 999999, "x").status_code == 404


@pytest.mark.parametrize("role", ["viewer", "operator"])
def test_only_developers_rotate_the_webhook_secret_and_it_is_shown_once(api, host, sent, kicked, repo, role):
    stack, secret = deployed_git_stack(api, host, sent, kicked, repo)
    path = f"/api/v1/stacks/{stack.pk}/webhook/rotate/"
    user_with(api, host, role)
    assert api.post(path).status_code == 403
    developer = developer_on(api, host)

    rotated = api.post(path)

    assert rotated.status_code == 200 and rotated.json()["secret"] != secret
    stack.git.refresh_from_db()
    assert stack.git.webhook_secret == rotated.json()["secret"] and stack.git.owner == developer
    assert rotated.json()["secret"] not in json.dumps(api.get(f"/api/v1/stacks/{stack.pk}/").json())
    assert hook(api, stack.pk, secret).status_code == 403  # the old one no longer works


@pytest.mark.parametrize(
    ("git", "code"),
    [
        ({"url": "file:///etc"}, "invalid_git_url"),
        ({"url": "ssh://git@example.com/x.git"}, "invalid_git_url"),
        ({"url": "https://user:pw@example.com/x.git"}, "invalid_git_url"),
        ({"url": "https://example.com/x.git?private_token=abc"}, "invalid_git_url"),
        ({"url": "https://example.com/x.git", "ref": "--upload-pack=touch /tmp/x"}, "invalid_git_ref"),
        ({"url": "https://example.com/x.git", "ref": "a..b"}, "invalid_git_ref"),
        ({"url": "https://example.com/x.git", "path": "../../etc/passwd"}, "invalid_git_path"),
        ({"url": "https://example.com/x.git", "path": "/etc/passwd"}, "invalid_git_path"),
        ({"url": "https://example.com/x.git", "poll_interval": 5}, "invalid_poll_interval"),
    ],
)
def test_bad_git_input_is_a_400_sentence_and_nothing_is_recorded(api, host, sent, kicked, git, code):
    developer_on(api, host)

    answer = api.post("/api/v1/stacks/", {"host": host.pk, "name": "shop", "git": git}, format="json")

    assert answer.status_code == 400 and answer.json()["code"] == code, answer.json()
    assert not Stack.objects.exists() and not Operation.objects.exists()


@pytest.mark.parametrize(
    ("git", "code", "words"),
    [
        ({"ref": "no-such-branch"}, "git_no_ref", "no branch or tag"),
        ({"path": "deploy/missing.yml"}, "git_no_file", "no file deploy/missing.yml"),
        ({"name": "absent.git"}, "git_not_found", "no git repository"),
        ({"port": True}, "git_unreachable", "cannot be reached"),
        ({"private": True}, "git_address_refused", "private address"),
    ],
)
def test_a_bad_repository_fails_the_operation_with_a_sentence_and_leaves_no_stack(
    api, host, sent, kicked, repo, settings, git, code, words
):
    developer_on(api, host)
    url = repo.url(git.get("name", "shop.git"))
    if git.get("port"):
        url = url.replace(str(repo.server.server_port), "9")  # discard: nothing listens
    if git.get("private"):
        settings.BERTH_GIT_ALLOWED_NETWORKS = []
    answer = create(api, host, url, **{k: v for k, v in git.items() if k in ("ref", "path")})
    assert answer.status_code == 202

    assert run_git_deploy(answer.json()["id"]) == "failed"

    operation = Operation.objects.get(pk=answer.json()["id"])
    assert (operation.state, operation.error_code) == ("failed", code) and words in operation.error
    assert not Stack.objects.exists() and not GitSource.objects.exists() and sent == []


def test_bad_credentials_fail_with_a_sentence(api, host, sent, kicked, repo):
    repo.username, repo.password = "ci", "right-token"
    developer_on(api, host)
    answer = create(api, host, repo.url("shop.git"), credentials={"username": "ci", "token": "wrong-token"})

    run_git_deploy(answer.json()["id"])

    operation = Operation.objects.get(pk=answer.json()["id"])
    assert operation.error_code == "git_auth" and "credentials" in operation.error
    assert "wrong-token" not in operation.error


def test_a_developers_git_file_with_a_dangerous_option_fails_naming_it(api, host, sent, kicked, repo):
    push(repo, {"compose.yaml": COMPOSE + "    pid: host\n"}, "rooted")
    developer_on(api, host)
    answer = create(api, host, repo.url("shop.git"))

    assert run_git_deploy(answer.json()["id"]) == "refused"

    operation = Operation.objects.get(pk=answer.json()["id"])
    assert operation.state == "failed" and "host PID" in operation.error and sent == []


def test_a_poll_asks_only_when_due_and_deploys_only_a_new_commit(api, host, sent, kicked, repo):
    stack, _ = deployed_git_stack(api, host, sent, kicked, repo)
    GitSource.objects.update(poll_interval=60, last_checked_at=timezone.now() - timedelta(seconds=61))

    assert kick_due_polls() == 1 and kicked == [("poll", stack.git.pk)]
    assert kick_due_polls() == 0  # marked as checked
    assert check_polled_stack(stack.git.pk) == "unchanged" and not kicked[1:]

    third = push(repo, {"compose.yaml": COMPOSE.replace("300", "302")}, "third")
    assert check_polled_stack(stack.git.pk) == "deploying"
    operation = Operation.objects.get(pk=kicked[-1])
    assert operation.username.startswith("poll (for ")
    assert run_git_deploy(operation.pk) == "sent" and StackVersion.objects.get(number=2).commit == third


@pytest.mark.parametrize(
    "url",
    [
        "http://localhost/x.git",
        "http://127.0.0.1:6379/x.git",  # Redis, say
        "http://169.254.169.254/latest/meta-data/",  # a cloud's metadata service
        "http://[::1]/x.git",
        "http://10.1.2.3/x.git",
        "http://0.0.0.0/x.git",
    ],
)
def test_the_portal_fetches_from_no_private_address_unless_an_admin_allowed_its_network(settings, url):
    settings.BERTH_GIT_ALLOWED_NETWORKS = []

    with pytest.raises(GitFailed) as refused:
        fetch(url, "main", "compose.yaml")

    assert refused.value.code == "git_address_refused" and "BERTH_GIT_ALLOWED_NETWORKS" in refused.value.sentence


def test_credentials_never_show_in_their_repr():
    assert "tok-123" not in repr(Credentials("ci", "tok-123"))


def test_a_repository_past_the_size_cap_or_the_time_limit_is_cut_off_with_a_sentence(
    repo, settings, tmp_path, monkeypatch
):
    (tmp_path / "temp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    push(repo, {"big.bin": os.urandom(3 * 1024 * 1024).hex()}, "big")
    settings.BERTH_GIT_MAX_MB = 1
    with pytest.raises(GitFailed) as too_large:
        fetch(repo.url("shop.git"), "main", "compose.yaml")
    assert too_large.value.code == "git_too_large" and "BERTH_GIT_MAX_MB" in too_large.value.sentence

    settings.BERTH_GIT_MAX_MB = 100
    settings.BERTH_GIT_TIMEOUT = 0.01
    with pytest.raises(GitFailed) as slow:
        fetch(repo.url("shop.git"), "main", "compose.yaml")
    assert slow.value.code == "git_timeout" and "longer than" in slow.value.sentence
    assert not list((tmp_path / "temp").glob("berth-git-*"))  # nothing left behind


def test_a_git_stacks_settings_change_by_patch_and_its_file_cannot_be_written_here(api, host, sent, kicked, repo):
    stack, _ = deployed_git_stack(api, host, sent, kicked, repo)
    subprocess.run(["git", "tag", "v1"], cwd=repo.work, check=True)
    subprocess.run(["git", "push", "-q", "origin", "v1"], cwd=repo.work, check=True)
    path = f"/api/v1/stacks/{stack.pk}/"

    written = api.patch(path, {"compose": COMPOSE}, format="json")
    changed = api.patch(path, {"git": {"ref": "v1", "poll_interval": 120}}, format="json")

    assert written.status_code == 409 and written.json()["code"] == "git_stack"
    assert changed.status_code == 202, changed.json()
    source = GitSource.objects.get()
    assert (source.ref, source.path, source.poll_interval) == ("v1", "compose.yaml", 120)
    assert run_git_deploy(changed.json()["id"]) == "sent"
    assert StackVersion.objects.get(number=2).commit == repo.first


def test_a_pull_webhook_deploys_the_same_commit_with_its_images_pulled(api, host, sent, kicked, repo):
    stack, secret = deployed_git_stack(api, host, sent, kicked, repo)
    body = json.dumps({"ref": "refs/heads/main"}).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    api.logout()

    answer = api.post(
        f"/api/v1/stacks/{stack.pk}/webhook/?pull=1",
        body,
        content_type="application/json",
        headers={"X-Hub-Signature-256": signature},
    )

    assert answer.status_code == 202
    assert run_git_deploy(answer.json()["id"]) == "sent"
    assert sent[0][1]["params"]["pull"] is True and StackVersion.objects.get(number=2).commit == repo.first


def test_rotation_re_encrypts_git_credentials_webhook_secrets_and_env_with_the_first_key(settings, host, capsys):
    from django.core.management import call_command

    settings.BERTH_SECRET_KEYS = ["old key"]
    stack = Stack.objects.create(host=host, name="shop", source="git")
    source = GitSource(stack=stack, url="https://example.com/x.git", ref="main", path="compose.yaml")
    source.secret, source.webhook_secret = "tok-123", "hook-456"
    source.save()
    version = StackVersion(stack=stack, number=1, compose=COMPOSE)
    version.env = "A=1"
    version.save()

    settings.BERTH_SECRET_KEYS = ["new key", "old key"]
    call_command("rotate_stack_secrets")
    settings.BERTH_SECRET_KEYS = ["new key"]

    assert "Re-encrypted 3 stack secrets" in capsys.readouterr().out
    source.refresh_from_db()
    assert (source.secret, source.webhook_secret, StackVersion.objects.get().env) == ("tok-123", "hook-456", "A=1")


def test_secrets_no_key_opens_fail_with_a_sentence_not_a_500(api, host, sent, kicked, repo, settings):
    settings.BERTH_SECRET_KEYS = ["old key"]
    developer_on(api, host)
    answer = create(api, host, repo.url("shop.git"), credentials={"token": "tok-123"})
    settings.BERTH_SECRET_KEYS = ["another key"]

    assert run_git_deploy(answer.json()["id"]) == "failed"
    operation = Operation.objects.get(pk=answer.json()["id"])
    assert "cannot be decrypted" in operation.error and "save them again" in operation.error


def test_a_webhook_whose_secret_no_key_opens_is_a_409_sentence(api, host, sent, kicked, repo, settings):
    settings.BERTH_SECRET_KEYS = ["old key"]
    stack, secret = deployed_git_stack(api, host, sent, kicked, repo)
    settings.BERTH_SECRET_KEYS = ["another key"]

    answer = hook(api, stack.pk, secret)

    assert answer.status_code == 409 and "new secret" in answer.json()["detail"] and kicked == []
