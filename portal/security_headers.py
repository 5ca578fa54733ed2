"""The Content-Security-Policy every answer carries (Django 5.2 has no CSP of its own).

Scripts come only from Berth's own static files: no inline script, no eval, so markup injected
into a page cannot run. A page's data rides in `<script type="application/json">` (json_script),
which the browser never executes. Styles may be inline (Tabler's markup and xterm.js set style
attributes), and WebAssembly may be compiled (asciinema-player replays with it): neither runs
script. Websockets go to the page's own host ('self' covers ws:/wss: there).

Nothing but the static files may be kept by a cache (`Cache-Control: no-store` on every other
answer): a page or an API answer holds what one user may see, and a browser going Back would
otherwise show it from its disk cache — on a shared computer after a logout, and stale (the
state of a container before it was stopped) to anyone.

The other headers come from Django's SecurityMiddleware, set in portal/settings.py:
Referrer-Policy, X-Content-Type-Options, and HSTS when cookies are Secure.
"""

from __future__ import annotations

from django.conf import settings

__all__ = ["CONTENT_SECURITY_POLICY", "ContentSecurityPolicyMiddleware"]

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if not request.path.startswith(self.static_prefix):
            response.headers.setdefault("Cache-Control", "no-store")
        return response
