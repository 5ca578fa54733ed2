"""Security headers on every answer: a Content-Security-Policy that runs no inline script,
Referrer-Policy, and HSTS when cookies are Secure. And no template holds an inline script or an
inline event handler for that policy to refuse (a page's data rides in json_script)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.portal.factories import make_superuser

pytestmark = pytest.mark.django_db

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
PAGES = ["/", "/containers/", "/images/", "/registries/", "/operations/", "/audit/", "/tokens/", "/users/"]


def directives(policy: str) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in (p.strip() for p in policy.split(";")) if part}


def test_every_page_carries_a_policy_that_runs_only_berths_own_scripts():
    client = Client()
    client.force_login(make_superuser("root"))

    for url in [*PAGES, "/login/", "/api/v1/hosts/"]:
        response = client.get(url)
        policy = directives(response["Content-Security-Policy"])
        assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"], url
        assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"]
        assert policy["frame-ancestors"] == ["'none'"] and policy["base-uri"] == ["'self'"]
        assert response["Referrer-Policy"] == "same-origin"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in response
        assert "no-store" in response["Cache-Control"], url  # Back shows it fresh, never from a cache


def test_hsts_is_sent_over_https_when_cookies_are_secure(settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000

    response = Client().get("/login/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000"


@pytest.mark.parametrize(("secure", "seconds"), [("1", "31536000"), ("", "0")])
def test_hsts_follows_berth_secure_cookies(secure, seconds, tmp_path):
    env = {**os.environ, "BERTH_SECURE_COOKIES": secure, "BERTH_DATA_DIR": str(tmp_path)}
    code = "import portal.settings as s; print(s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE)"

    printed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)

    assert printed.stdout.split() == [seconds, str(bool(secure))]


def test_no_template_holds_an_inline_script_or_event_handler():
    inline = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                inline.append(f"{template.relative_to(TEMPLATES)}: {tag}")
        for handler in re.findall(r"<[^>]*\s(on[a-z]+)\s*=", text):
            inline.append(f"{template.relative_to(TEMPLATES)}: {handler}=")
        if "javascript:" in text:
            inline.append(f"{template.relative_to(TEMPLATES)}: javascript: URL")

    assert inline == []
