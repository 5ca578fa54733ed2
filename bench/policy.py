"""What the policy costs on the container list, beside the unrestricted list measured in the same run.

    .venv/bin/python -m bench.policy [--containers 10000] [--hosts 50] [--rounds 100]

Needs nothing running: a fresh SQLite database (WAL, as `make run` uses) in a temporary data
directory, seeded with bulk_create. GET /api/v1/containers/ (a page of 50; five kinds of query:
first page, a deep page, a state filter, a search, one host) goes through Django's test client —
the whole middleware, DRF and serializer path, less the network — alternately as:
- a superuser: no scope to compute, no filter (the baseline);
- a user with an all-hosts binding: the scope's two queries, no filter;
- a user in 5 teams with 20 bindings on half the hosts: the scope, and the list filtered by it.
Prints p50/p95 of each and the overhead of the restricted list's p95 over the baseline's, and
asserts that the queries per request do not depend on the number of bindings.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

from bench.inventory import line, pct
from bench.inventory_apply import setup_django

TEAMS = 5
BINDINGS_PER_TEAM = 4
HOSTS_PER_BINDING = 5


def seed(containers: int, hosts: int) -> dict:
    """Hosts, containers and the users to measure as; returns the users and the restricted host ids."""
    import uuid

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from portal.containers.models import Container
    from portal.hosts.models import Host
    from portal.teams.models import RoleBinding, Team, TeamMembership

    User = get_user_model()
    rows = Host.objects.bulk_create(Host(slug=f"scale-{i}", name=f"scale-{i}", status="online") for i in range(hosts))
    now = timezone.now()
    Container.objects.bulk_create(
        (
            Container(
                host=rows[i % hosts],
                engine_id=uuid.uuid4().hex * 2,
                name=f"c-{i}",
                image="busybox",
                image_id="sha256:" + "0" * 64,
                command="sleep 1",
                state=("running", "exited")[i % 2],
                created=now,
                version=1,
            )
            for i in range(containers)
        ),
        batch_size=1000,
    )
    superuser = User.objects.create(username="root", is_superuser=True, is_staff=True)
    everywhere = User.objects.create(username="everywhere")
    restricted = User.objects.create(username="restricted")
    single = User.objects.create(username="single")

    def team_with(name: str, member) -> Team:
        team = Team.objects.create(name=name)
        TeamMembership.objects.create(team=team, user=member)
        return team

    RoleBinding.objects.create(team=team_with("all", everywhere), role="viewer", all_hosts=True)
    # 20 bindings of 5 hosts each over the first half of the hosts, each host named by several
    # bindings with different roles: the scope has to take the highest of them.
    half = hosts // 2
    roles = ["viewer", "operator", "developer", "admin"]
    for t in range(TEAMS):
        team = team_with(f"team-{t}", restricted)
        for b in range(BINDINGS_PER_TEAM):
            k = t * BINDINGS_PER_TEAM + b
            binding = RoleBinding.objects.create(team=team, role=roles[k % len(roles)])
            binding.hosts.add(*(rows[(k + j * HOSTS_PER_BINDING) % half] for j in range(HOSTS_PER_BINDING)))
    RoleBinding.objects.create(team=team_with("one", single), role="viewer").hosts.add(*rows[:10])
    return {
        "superuser": superuser,
        "everywhere": everywhere,
        "restricted": restricted,
        "single": single,
        "visible_hosts": [h.pk for h in rows[:half]],
        "host_in_scope": rows[7].pk,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--containers", type=int, default=10_000)
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=100, help="each round requests every URL once per user")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="berth-bench-") as data_dir:
        setup_django(data_dir)
        from django.conf import settings
        from django.db import connection
        from django.test import Client
        from django.test.utils import setup_test_environment

        from portal.access.policy import AccessScope
        from portal.containers.models import Container
        from portal.teams.models import RoleBinding

        setup_test_environment()  # the test client's host name is allowed
        settings.WHITENOISE_USE_FINDERS = False
        world = seed(args.containers, args.hosts)
        scope = AccessScope.for_user(world["restricted"])
        bindings = RoleBinding.objects.filter(team__memberships__user=world["restricted"]).count()
        assert sorted(scope.host_roles) == world["visible_hosts"], "the seeded scope is half the hosts"
        visible = Container.objects.filter(host__in=world["visible_hosts"]).count()

        urls = [
            "/api/v1/containers/",
            "/api/v1/containers/?page=20",
            "/api/v1/containers/?state=running",
            "/api/v1/containers/?q=c-99",
            f"/api/v1/containers/?host={world['host_in_scope']}",
        ]
        personas = {
            "superuser (no restriction)": world["superuser"],
            "all-hosts binding (scope, no filter)": world["everywhere"],
            f"{TEAMS} teams, {bindings} bindings (restricted)": world["restricted"],
            "1 team, 1 binding on 10 hosts": world["single"],
        }
        clients = {}
        for label, user in personas.items():
            client = Client()
            client.force_login(user)
            clients[label] = client

        def get(client, url) -> tuple[float, int, dict]:
            executed = []

            def counting(execute, sql, params, many, context):
                executed.append(sql)
                return execute(sql, params, many, context)

            with connection.execute_wrapper(counting):
                started = time.perf_counter()
                response = client.get(url)
                elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.content[:500]
            return elapsed, len(executed), response.json()

        # Warm up (and fix each persona's query count per URL).
        queries: dict[str, dict[str, int]] = {label: {} for label in personas}
        for label, client in clients.items():
            for url in urls:
                for _ in range(3):
                    _, count, _ = get(client, url)
                queries[label][url] = count
        timings: dict[str, list[float]] = {label: [] for label in personas}
        by_url: dict[tuple[str, str], list[float]] = {}
        for _ in range(args.rounds):
            for url in urls:
                for label, client in clients.items():  # alternately, so drift hits every persona alike
                    elapsed, count, _ = get(client, url)
                    assert count == queries[label][url], f"{label} {url}: {count} queries, then {queries[label][url]}"
                    timings[label].append(elapsed)
                    by_url.setdefault((label, url), []).append(elapsed)

        base, everywhere, restricted, single = personas
        for url in urls:
            # The scope costs its two queries, whatever the number of teams, bindings and hosts.
            assert queries[everywhere][url] == queries[base][url] + 2, (url, queries)
            assert queries[restricted][url] == queries[everywhere][url] == queries[single][url], (url, queries)
        full = get(clients[base], urls[0])[2]["count"]
        seen = get(clients[restricted], urls[0])[2]["count"]
        assert (full, seen) == (args.containers, visible), (full, seen)

        overhead = {p: pct(timings[restricted], p) / pct(timings[base], p) - 1 for p in (50, 95)}
        print(
            f"Policy on the containers API: {args.containers} containers over {args.hosts} hosts "
            f"({args.rounds * len(urls)} requests each; page of 50, {len(urls)} kinds of query; test client, SQLite)"
        )
        for label in personas:
            counts = sorted(set(queries[label].values()))
            print(line(f"{label}", timings[label], target=f"{'/'.join(map(str, counts))} queries per request"))
        print(f"  p95 by query: {'no restriction':>16} {'restricted':>12}")
        for url in urls:
            print(
                f"    {url.removeprefix('/api/v1/containers/') or '(first page)':<20}"
                f" {pct(by_url[base, url], 95) * 1000:11.1f} ms {pct(by_url[restricted, url], 95) * 1000:9.1f} ms"
            )
        print(
            f"  restricted user sees {seen} of {full} containers on {len(scope.host_roles)} hosts; "
            "queries constant (the scope's 2, whatever the bindings)"
        )
        print(
            f"  restricted over no restriction: p50 {overhead[50] * 100:+.1f}%   p95 {overhead[95] * 100:+.1f}%"
            "   target p95 <= +20%"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
