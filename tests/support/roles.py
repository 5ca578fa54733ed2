"""Users made in a running stack's database, holding a role on one host, for tests over the real stack."""

from __future__ import annotations

import json
import uuid

__all__ = ["ROLE_USER_PASSWORD", "user_with_role"]

# Every such user's password (a browser test logs in with it).
ROLE_USER_PASSWORD = "not-used-here-1"

ROLE_ON_A_HOST = """
import json
from django.contrib.auth import get_user_model
from portal.accounts.models import PersonalToken
from portal.teams.models import RoleBinding, Team, TeamMembership

user = get_user_model().objects.create_user(username="{name}", password="{password}")
team = Team.objects.create(name="{name}")
TeamMembership.objects.create(team=team, user=user)
RoleBinding.objects.create(team=team, role="{role}").hosts.add({host})
_, key = PersonalToken.issue(user, "integration")
print("RESULT", json.dumps({{"key": key}}))
"""


def user_with_role(stack, role: str, host: int) -> tuple[str, str]:
    """A new user holding `role` on host `host` (its id): (username, API token)."""
    name = f"{role}-{uuid.uuid4().hex[:6]}"
    script = ROLE_ON_A_HOST.format(name=name, role=role, host=host, password=ROLE_USER_PASSWORD)
    output = stack.manage("shell", "-c", script)
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    return name, json.loads(line.removeprefix("RESULT "))["key"]
