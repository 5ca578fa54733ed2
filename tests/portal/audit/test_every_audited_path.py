"""A nested secret fed through every audited path never reaches the audit trail.

Every call of the audit trail's writers (`record`, `record_refusal`) in portal/ is one of the
SITES below, found by reading the source, so a path audited later without a case here fails
`test_every_place_that_writes_the_audit_trail_is_driven_here`. Each case drives its sites the way
a user would — the API, the pages, a socket — with a secret nested wherever its input can hold
one (environment values, passwords, tokens, registry auth, build args, a command line's
`NAME=value`, a URL's password), then reads every detail its events stored.
"""

from __future__ import annotations

import ast
import asyncio
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from portal.asgi import application
from portal.audit.models import AuditEvent
from portal.registries.checks import ConnectionReport
from portal.terminals.housekeeping import ORPHANED_AFTER, end_orphaned_sessions
from portal.terminals.models import TerminalSession
from portal.terminals.watching import watch_began, watch_ended
from tests.portal.audit.factories import make_user_with
from tests.portal.factories import (
    make_container,
    make_online_host,
    make_superuser,
    make_token,
    make_user,
)
from tests.portal.ws.sockets import SITE
from tests.support.stream_keys import reply
from wire import streams as m
from wire.names import host_stream_channel

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Nested-S3cret-Value-9f2c"
NESTED = {"env": [f"DB_PASSWORD={SECRET}"], "auth": {"password": SECRET}, "deep": [{"api_token": SECRET}]}
COMMAND = f"sh -c 'DB_PASSWORD={SECRET} ./migrate --token={SECRET} postgres://app:{SECRET}@db/app'"
PORTAL = Path(__file__).resolve().parents[3] / "portal"


@dataclass
class World:
    host: object
    admin: object
    api: APIClient  # the superuser, by session
    page: Client  # the superuser's browser
    sent: list


@pytest.fixture
def world(monkeypatch, settings, tmp_path):
    settings.BERTH_RECORDINGS_DIR = tmp_path
    sent = []
    monkeypatch.setattr("portal.operations.dispatch.send_operation_task", lambda *args: sent.append(args))
    monkeypatch.setattr("portal.images.transfers.send_upload", lambda user, chunks, start: start("test"))
    admin = make_superuser("root")
    api, page = APIClient(), Client()
    api.force_login(admin)
    page.force_login(admin)
    return World(make_online_host("web-1"), admin, api, page, sent)


def ok(response, *statuses):
    assert response.status_code in statuses, response.content[:400]
    return response


# --- the cases: (sites, driver) ---------------------------------------------------------------------


def hosts(w: World, monkeypatch):
    labels = {"db_password": SECRET, "dsn": f"postgres://app:{SECRET}@db/app", "note": f"API_TOKEN={SECRET}"}
    created = ok(w.api.post("/api/v1/hosts/", {"name": "web-9", "labels": labels}, format="json"), 201).json()
    ok(w.api.patch(f"/api/v1/hosts/{created['id']}/", {"labels": {**labels, "x": "y"}}, format="json"), 200)
    ok(w.api.patch(f"/api/v1/hosts/{w.host.pk}/", {"labels": labels}, format="json"), 200)
    ok(w.api.delete(f"/api/v1/hosts/{w.host.pk}/"), 409)  # online: refused, and audited as failed
    ok(w.api.delete(f"/api/v1/hosts/{created['id']}/"), 204)
    # Two registering the same name at once: the loser's failure is audited.
    monkeypatch.setattr("portal.hosts.api.serializers.HostSerializer.save", _raise_integrity_error)
    ok(w.api.post("/api/v1/hosts/", {"name": "web-10", "labels": labels}, format="json"), 409)


def _raise_integrity_error(self, **kwargs):
    raise IntegrityError("UNIQUE constraint failed: hosts_host.slug")


def operations(w: World, monkeypatch):
    host = w.host.pk
    run = {
        "host": host,
        "image": "busybox:latest",
        "env": [f"DB_PASSWORD={SECRET}", f"NESTED={json.dumps(NESTED)}"],
        "labels": {"api_key": SECRET, "ci": f"TOKEN={SECRET}"},
        "command": COMMAND,
    }
    ok(w.api.post("/api/v1/containers/", run, format="json"), 202)
    build = {"host": host, "dockerfile": "FROM scratch\n", "buildargs": json.dumps({"PASSWORD": SECRET})}
    ok(w.api.post("/api/v1/images/build/", build, format="json"), 202)
    container = make_container(w.host, "app")
    ok(w.api.post(f"/api/v1/containers/{container.pk}/commit/", {"repository": "snap", "message": COMMAND}), 202)
    from tests.portal.registries.conftest import make_registry

    registry = make_registry("ours", password=SECRET)
    pull = {"host": host, "reference": f"{registry.host_and_port}/app:1", "registry": registry.pk}
    ok(w.api.post("/api/v1/images/pull/", pull, format="json"), 202)
    assert w.sent[-1][2]["password"] == SECRET  # the credentials went to the host, in the task alone


def registries(w: World, monkeypatch):
    monkeypatch.setattr(
        "portal.registries.changes.check_connection",
        lambda url, username, password, verify_tls, learn_realm=False: ConnectionReport(
            ok=False, answered=True, credentials="refused", detail=f"401 for {username}: password={password}"
        ),
    )
    body = {"name": "r1", "url": "http://127.0.0.1:9", "username": "ci", "password": SECRET, "check_connection": True}
    ok(w.api.post("/api/v1/registries/", body, format="json"), 400, 401, 409, 502, 503)
    body["check_connection"] = False
    created = ok(w.api.post("/api/v1/registries/", body, format="json"), 201).json()
    change = {"password": f"{SECRET}-2", "username": f"TOKEN={SECRET}", "check_connection": False}
    ok(w.api.patch(f"/api/v1/registries/{created['id']}/", change, format="json"), 200)
    ok(w.api.delete(f"/api/v1/registries/{created['id']}/"), 204)


def teams(w: World, monkeypatch):
    extra = {"password": SECRET, **NESTED}
    team = ok(
        w.api.post("/api/v1/teams/", {"name": "crew", "description": f"DB_PASSWORD={SECRET}", **extra}, format="json"),
        201,
    ).json()
    ok(w.api.patch(f"/api/v1/teams/{team['id']}/", {"description": f"TOKEN={SECRET}", **extra}, format="json"), 200)
    member = make_user("ada")
    ok(w.api.post(f"/api/v1/teams/{team['id']}/members/", {"user": member.pk, **extra}, format="json"), 201)
    ok(w.api.delete(f"/api/v1/teams/{team['id']}/members/{member.pk}/"), 204)
    binding = ok(
        w.api.post(
            f"/api/v1/teams/{team['id']}/bindings/", {"role": "viewer", "hosts": [w.host.pk], **extra}, format="json"
        ),
        201,
    ).json()
    ok(
        w.api.patch(
            f"/api/v1/teams/{team['id']}/bindings/{binding['id']}/", {"role": "operator", **extra}, format="json"
        ),
        200,
    )
    ok(w.api.delete(f"/api/v1/teams/{team['id']}/bindings/{binding['id']}/"), 204)
    ok(w.api.delete(f"/api/v1/teams/{team['id']}/"), 204)


def users(w: World, monkeypatch):
    body = {"username": "bob", "password": SECRET, "email": "bob@example.com", **NESTED}
    bob = ok(w.api.post("/api/v1/users/", body, format="json"), 201).json()
    make_token(get_user_model().objects.get(pk=bob["id"]))  # a password reset revokes it
    ok(w.api.patch(f"/api/v1/users/{bob['id']}/", {"password": f"{SECRET}-new", **NESTED}, format="json"), 200)
    ok(w.api.delete(f"/api/v1/users/{bob['id']}/"), 204)
    # An admin of every host who is no superuser may not make one: refused, and audited.
    admin_all = make_user_with("admin", all_hosts=True, username="alice")
    api = APIClient()
    api.force_authenticate(admin_all)
    ok(api.post("/api/v1/users/", {**body, "username": "eve", "is_superuser": True}, format="json"), 403)


def tokens(w: World, monkeypatch):
    owner = make_user("tok")
    owner.set_password(SECRET)
    owner.save()
    api = APIClient()
    issued = api.post("/api/v1/auth/token/", {"username": "tok", "password": SECRET, "name": f"ci TOKEN={SECRET}"})
    ok(issued, 201)
    api.force_login(owner)  # (a token may not make tokens)
    made = ok(api.post("/api/v1/tokens/", {"name": f"deploy DEPLOY_TOKEN={SECRET}", **NESTED}, format="json"), 201)
    ok(api.delete(f"/api/v1/tokens/{made.json()['id']}/"), 204)


def logins(w: World, monkeypatch):
    user = make_user("li")
    user.set_password(SECRET)
    user.save()
    browser = Client()
    ok(browser.post("/login/", {"username": "li", "password": SECRET}), 302)
    ok(browser.post("/logout/"), 302, 200)
    ok(browser.post("/login/", {"username": "li", "password": f"{SECRET}-wrong"}), 200)
    # Enough wrong guesses and the throttle refuses the next: audited as denied.
    for _ in range(10):
        if AuditEvent.objects.filter(action="login", outcome="denied").exists():
            break
        APIClient().post("/api/v1/auth/token/", {"username": "li", "password": f"{SECRET}-guess", "name": "x"})
    assert AuditEvent.objects.filter(action="login", outcome="denied").exists()


def refusals(w: World, monkeypatch):
    viewer = make_user_with("viewer", w.host, username="vic")
    api = APIClient()
    api.force_authenticate(viewer)
    # The policy's refusal in the API, a service's refusal in the API, a page's and a socket's.
    ok(api.patch(f"/api/v1/hosts/{w.host.pk}/", {"labels": {"api_token": SECRET}}, format="json"), 403)
    developer = make_user_with("developer", w.host, username="dev")
    api.force_authenticate(developer)
    run = {"host": w.host.pk, "image": "busybox", "privileged": True, "env": [f"PASSWORD={SECRET}"], "command": COMMAND}
    ok(api.post("/api/v1/containers/", run, format="json"), 403)
    page = Client()
    page.force_login(viewer)
    ok(page.get("/console/", {"container": make_container(w.host, "app").pk, "cmd": COMMAND}), 404)
    container = make_container(w.host, "db")
    token = make_token(viewer)

    async def refused():
        socket = WebsocketCommunicator(
            application, f"/ws/containers/{container.pk}/terminal/?token={token}&cmd={COMMAND}&user={SECRET}"
        )
        await socket.connect()
        message = await socket.receive_output(5)
        await socket.disconnect()
        return message

    assert async_to_sync(refused)()["code"] == 4403


def terminal_sessions(w: World, monkeypatch):
    container = make_container(w.host, "app")
    token = make_token(w.admin)

    async def session():
        query = f"?token={token}&cmd={COMMAND.replace(' ', '%20')}&user=root"
        socket = WebsocketCommunicator(
            application, f"/ws/containers/{container.pk}/terminal/{query}", headers=[(b"host", SITE)]
        )
        connected, _ = await socket.connect()
        assert connected
        layer = get_channel_layer()
        request = await asyncio.wait_for(layer.receive(host_stream_channel(w.host.slug)), 2)
        channel = await layer.new_channel()
        await reply(layer, request, {"type": m.READY, "session": request["session"], "channel": channel})
        await socket.receive_output(2)  # ready
        await reply(layer, request, {"type": m.END, "code": 0, "reason": "The process exited."})
        while (await socket.receive_output(2))["type"] != "websocket.close":
            pass
        await socket.disconnect()

    async_to_sync(session)()
    assert TerminalSession.objects.filter(ended_at__isnull=False).exists()
    # A session whose web process went away is ended by the sweep.
    TerminalSession.objects.create(
        kind="terminal",
        user=w.admin,
        username="root",
        host=w.host,
        host_name=w.host.name,
        container=container,
        container_name=container.name,
        command=COMMAND,
        started_at=timezone.now() - ORPHANED_AFTER * 2,
        alive_at=timezone.now() - ORPHANED_AFTER - timedelta(seconds=5),
    )
    assert end_orphaned_sessions() == 1


def _live_session(w: World, container, **fields) -> TerminalSession:
    return TerminalSession.objects.create(
        kind="terminal",
        user=w.admin,
        username="root",
        host=w.host,
        host_name=w.host.name,
        container=container,
        container_name=container.name,
        command=COMMAND,
        started_at=timezone.now(),
        alive_at=timezone.now(),
        stream_channel="portal.test!stream",
        recording=f"test-{timezone.now().timestamp()}.cast",
        **fields,
    )


def sharing_and_enrollment(w: World, monkeypatch):
    """Host enrollment (the API's rotate, `make run`'s command) and terminal sharing (resume, watch,
    a refused watcher, an admin's end)."""
    ok(w.api.post(f"/api/v1/hosts/{w.host.pk}/rotate/", {"labels": {"api_token": SECRET}}, format="json"), 201)
    call_command("enroll_host", "web-1", stdout=io.StringIO())
    container = make_container(w.host, "app")
    detached = _live_session(w, container, detached_until=timezone.now() + timedelta(seconds=60))
    token = make_token(w.admin)
    viewer = make_user_with("viewer", w.host, username="vic")
    viewer_token = make_token(viewer)
    live = _live_session(w, container)

    async def sockets():
        resumed = WebsocketCommunicator(
            application,
            f"/ws/containers/{container.pk}/terminal/?token={token}&session={detached.pk}&offset=0&cmd={SECRET}",
            headers=[(b"host", SITE)],
        )
        connected, _ = await resumed.connect()
        assert connected
        await resumed.disconnect()
        watcher = WebsocketCommunicator(
            application, f"/ws/sessions/{live.pk}/watch/?token={viewer_token}", headers=[(b"host", SITE)]
        )
        await watcher.connect()
        refused = await watcher.receive_output(5)
        await watcher.disconnect()
        return refused

    assert async_to_sync(sockets)()["code"] == 4403
    watch = watch_began(live, w.admin, "10.0.0.9")
    watch_ended(watch, "10.0.0.9")
    ok(w.api.post(f"/api/v1/sessions/{live.pk}/invites/", {"user": "vic", "note": SECRET}, format="json"), 201)
    ok(w.api.delete(f"/api/v1/sessions/{live.pk}/invites/vic/"), 204)
    ok(w.api.post(f"/api/v1/sessions/{live.pk}/end/", {"reason": SECRET}, format="json"), 202)


def alerts(w: World, monkeypatch):
    from django.utils import timezone

    from portal.alerts.models import Alert
    from tests.portal.factories import make_binding, make_team

    team = make_team(w.admin, name="watch")
    make_binding(team, "admin", w.host)
    channel = ok(
        w.api.post(
            "/api/v1/alert-channels/",
            {
                "name": "hook",
                "team": team.pk,
                "kind": "webhook",
                "target": "http://127.0.0.1:9/h",
                "secret": SECRET,
                **NESTED,
            },
            format="json",
        ),
        201,
    ).json()
    chat = {"name": "chat", "team": team.pk, "kind": "slack", "target": f"https://hooks.example/T/B/{SECRET}"}
    ok(w.api.post("/api/v1/alert-channels/", chat, format="json"), 201)
    ok(w.api.patch(f"/api/v1/alert-channels/{channel['id']}/", {"secret": f"{SECRET}-2"}, format="json"), 200)
    ok(w.api.post(f"/api/v1/alert-channels/{channel['id']}/test/"), 200)
    rule = {
        "name": "r",
        "team": team.pk,
        "events": ["container.exited"],
        "channels": [channel["id"]],
        "match": {"names": [SECRET[:10] + "*"]},
        **NESTED,
    }
    made = ok(w.api.post("/api/v1/alert-rules/", rule, format="json"), 201).json()
    ok(w.api.patch(f"/api/v1/alert-rules/{made['id']}/", {"cooldown_seconds": 5, **NESTED}, format="json"), 200)
    now = timezone.now()
    alert = Alert.objects.create(
        rule_id=made["id"],
        rule_name="r",
        host=w.host,
        kind="container.exited",
        subject="web",
        title="web exited",
        fired_at=now,
        last_fired_at=now,
    )
    ok(w.api.post(f"/api/v1/alerts/{alert.pk}/acknowledge/", NESTED, format="json"), 200)
    ok(w.api.post(f"/api/v1/alerts/{alert.pk}/mute/", {"seconds": 600, **NESTED}, format="json"), 200)
    ok(w.api.delete(f"/api/v1/alert-rules/{made['id']}/"), 204)
    ok(w.api.delete(f"/api/v1/alert-channels/{channel['id']}/"), 204)


def git_stacks(w: World, monkeypatch):
    """A git stack with a token and a repository URL asking for more, its webhook rotated."""
    monkeypatch.setattr("portal.stacks.git_deploy.celery_app.send_task", lambda *args, **kwargs: None)
    body = {
        "host": w.host.pk,
        "name": "from-git",
        "git": {"url": "https://git.example.com/shop.git", "credentials": {"username": "ci", "token": SECRET}},
        **{key: value for key, value in NESTED.items() if key != "env"},  # env is the stack's .env text
    }
    made = ok(w.api.post("/api/v1/stacks/", body, format="json"), 202).json()
    ok(w.api.post(f"/api/v1/stacks/{made['target_id']}/webhook/rotate/", NESTED, format="json"), 200)


CASES: dict[str, tuple[set[str], Callable]] = {
    "hosts": (
        {"portal.hosts.api.views:perform_create", "portal.hosts.api.views:perform_update"}
        | {"portal.hosts.api.views:perform_destroy"},
        hosts,
    ),
    "operations": ({"portal.operations.dispatch:submit"}, operations),
    "registries": (
        {f"portal.registries.changes:{f}" for f in ("_check", "create_registry", "change_registry", "delete_registry")},
        registries,
    ),
    "teams": (
        {
            f"portal.teams.changes:{f}"
            for f in (
                "create_team",
                "change_team",
                "delete_team",
                "add_member",
                "remove_member",
                "add_binding",
                "change_binding",
                "remove_binding",
            )
        },
        teams,
    ),
    "users": (
        {f"portal.accounts.users:{f}" for f in ("_not_allowed", "create_user", "change_user", "delete_user")},
        users,
    ),
    "tokens": (
        {"portal.accounts.api.views:post", "portal.accounts.tokens:issue_token", "portal.accounts.tokens:revoke_token"},
        tokens,
    ),
    "logins": (
        {f"portal.audit.logins:{f}" for f in ("audit_login", "audit_login_failed", "audit_logout")}
        | {"portal.accounts.login_throttle:_refuse"},
        logins,
    ),
    "refusals": (
        {
            "portal.api.permissions:refuse",
            "portal.audit.refusals:record_refusal_of",
            "portal.audit.refusals:audit_socket_refusal",
        },
        refusals,
    ),
    "terminal sessions": (
        {
            "portal.terminals.consumers:_begin",
            "portal.terminals.consumers:_end_session",
            "portal.terminals.housekeeping:end_orphaned_sessions",
        },
        terminal_sessions,
    ),
    "sharing and enrollment": (
        {"portal.hosts.api.views:rotate", "portal.hosts.management.commands.enroll_host:handle"}
        | {"portal.terminals.consumers:_rejoin"}
        | {f"portal.terminals.watching:{f}" for f in ("end_session", "revoke_invite", "watch_began", "watch_ended")},
        sharing_and_enrollment,
    ),
    "alerts": (
        {
            f"portal.alerts.changes:{f}"
            for f in ("_write", "_delete", "test_channel", "acknowledge_alert", "mute_alert")
        },
        alerts,
    ),
    "git stacks": ({"portal.stacks.api.git:rotate_webhook"}, git_stacks),
}
# (action, outcome) each case must have written: proof that it drove every path it names.
WRITTEN = {
    "hosts": {("host.create", "success"), ("host.create", "failure"), ("host.change", "success")}
    | {("host.delete", "failure"), ("host.delete", "success")},
    "operations": {("container.run", "success"), ("image.build", "success"), ("container.commit", "success")}
    | {("image.pull", "success")},
    "registries": {("registry.create", "failure"), ("registry.create", "success")}
    | {("registry.change", "success"), ("registry.delete", "success")},
    "teams": {(f"team.{a}", "success") for a in ("create", "change", "delete")}
    | {(f"team.{a}", "success") for a in ("member.add", "member.remove", "binding.add", "binding.change")}
    | {("team.binding.remove", "success")},
    "users": {("user.create", "success"), ("user.change", "success"), ("user.sign_out", "success")}
    | {("user.delete", "success"), ("user.create", "denied")},
    "tokens": {("token.create", "success"), ("token.revoke", "success")},
    "logins": {("login", "success"), ("logout", "success"), ("login", "failure"), ("login", "denied")},
    "refusals": {("host.change", "denied"), ("container.privileged", "denied"), ("container.exec", "denied")},
    "terminal sessions": {("terminal.start", "success"), ("terminal.end", "success"), ("terminal.end", "failure")},
    "sharing and enrollment": {("host.rotate", "success"), ("terminal.resume", "success")}
    | {("session.watch", "denied"), ("session.watch", "success"), ("session.end", "success")}
    | {("session.invite.revoke", "success")},
    "alerts": {(f"alert.rule.{a}", "success") for a in ("create", "change", "delete")}
    | {(f"alert.channel.{a}", "success") for a in ("create", "change", "delete", "test")}
    | {("alert.acknowledge", "success"), ("alert.mute", "success")},
    "git stacks": {("stack.deploy", "success"), ("stack.webhook_rotate", "success")},
}
# The writer that the refusal doors call (each of its callers is a case above).
WRITERS_THEMSELVES = {"portal.audit.refusals:record_refusal"}


@pytest.mark.parametrize("case", list(CASES))
def test_a_nested_secret_fed_through_an_audited_path_is_not_in_the_audit_trail(world, monkeypatch, case):
    _, drive = CASES[case]
    before = AuditEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    drive(world, monkeypatch)

    events = list(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))
    assert {(e.action, e.outcome) for e in events} >= WRITTEN[case]  # each of its paths was taken
    for event in events:
        stored = json.dumps(event.detail, ensure_ascii=False)
        assert SECRET not in stored, (event.action, event.outcome, event.detail)


def _audit_writes() -> set[str]:
    """module:function of every call of the audit trail's writers in portal/."""
    sites = set()
    for path in sorted(PORTAL.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text())
        module = ".".join(path.relative_to(PORTAL.parent).with_suffix("").parts)
        writers = {"record", "record_refusal"}
        imported = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("portal.audit")
            for alias in node.names
        }
        names = writers if module.startswith("portal.audit.re") else writers & imported

        def visit(node, function, module=module, names=names):
            for child in ast.iter_child_nodes(node):
                inner = child.name if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
                called = getattr(child, "func", None)
                if isinstance(child, ast.Call) and isinstance(called, ast.Name) and called.id in names:
                    sites.add(f"{module}:{function}")
                if (  # database_sync_to_async(record)(…)
                    isinstance(child, ast.Call)
                    and isinstance(called, ast.Call)
                    and any(isinstance(a, ast.Name) and a.id in names for a in called.args)
                ):
                    sites.add(f"{module}:{function}")
                visit(child, inner)

        visit(tree, "<module>")
    return sites


def test_every_place_that_writes_the_audit_trail_is_driven_here():
    driven = set().union(*(sites for sites, _ in CASES.values()))

    assert _audit_writes() - WRITERS_THEMSELVES == driven
