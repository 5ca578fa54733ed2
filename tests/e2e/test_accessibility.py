"""Every page passes an axe-core audit (axe-core from npm, injected from disk) with no serious or
critical violation: what a screen-reader user or a keyboard user would hit first."""

import json
from pathlib import Path

import pytest

from tests.support.docker_cli import IMAGE, TEST_LABEL, docker
from tests.support.processes import REPO, wait_until

pytestmark = pytest.mark.e2e

AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


def audit(page) -> list[dict]:
    """axe's serious and critical violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=Path(AXE).read_text())
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "nodes": [
                node["html"][:200] + " — " + "; ".join(check["message"] for check in node.get("any", []))[:200]
                for node in violation["nodes"][:5]
            ],
        }
        for violation in result["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.fixture
def audited_page(browser, stack):
    """A logged-in page whose context lets the test inject axe (the pages' own CSP would not)."""
    assert AXE.exists(), "axe-core is missing: `make test` installs it with npm ci."
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(f"{stack.base_url}/login/")
    found = {"/login/": audit(page)}
    page.fill("#id_username", "admin")
    page.fill("#id_password", stack.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{stack.base_url}/")
    page.found = found
    yield page
    context.close()


def test_given_every_page_when_audited_with_axe_then_none_has_a_serious_or_critical_violation(
    audited_page, stack, local_host, host_name
):
    page = audited_page
    docker("run", "-d", "--name", f"{host_name}-a11y", "--label", TEST_LABEL, IMAGE, "sleep", "300")
    container = wait_until(
        lambda: next(iter(stack.get("/api/v1/containers/", params={"q": f"{host_name}-a11y"}).json()["results"]), None),
        15,
        what="the container in the inventory",
    )
    image = wait_until(
        lambda: next(iter(stack.get("/api/v1/images/", params={"host": local_host["id"]}).json()["results"]), None),
        15,
        what="an image in the inventory",
    )
    team = stack.post("/api/v1/teams/", {"name": f"{host_name}-team"}).json()
    network = wait_until(
        lambda: next(iter(stack.get("/api/v1/networks/", params={"host": local_host["id"]}).json()["results"]), None),
        15,
        what="a network in the inventory",
    )
    pages = [
        "/",
        f"/hosts/{local_host['id']}/",
        "/containers/",
        f"/containers/{container['id']}/",
        "/containers/run/",
        "/images/",
        f"/images/{image['id']}/",
        "/images/new/",
        "/operations/",
        "/sessions/",
        "/console/",
        "/registries/",
        "/registries/add/",
        "/teams/",
        f"/teams/{team['id']}/",
        "/users/",
        "/tokens/",
        "/audit/",
        "/networks/",
        f"/networks/{network['id']}/",
        "/networks/new/",
        f"/networks/map/?host={local_host['id']}",
        "/volumes/",
        "/volumes/new/",
    ]
    found = dict(page.found)
    for path in pages:
        page.goto(f"{stack.base_url}{path}")
        page.wait_for_load_state("networkidle")
        found[path] = audit(page)

    failing = {path: violations for path, violations in found.items() if violations}
    assert failing == {}, json.dumps(failing, indent=1)
