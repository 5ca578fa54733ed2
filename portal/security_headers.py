"""The Content-Security-Policy every answer carries (Django 5.2 has no CSP of its own).

Scripts come only from Berth's own static files: no inline script, no eval, so markup injected
into a page cannot run. A page's data rides in `<script type="application/json">` (json_script),
which the browser never executes. Styles may be inline (Tabler's markup and xterm.js set style
attributes), and WebAssembly may be compiled (asciinema-player replays with it): neither runs
script. Websockets go to the page's own host ('self' covers ws:/wss: there).

The other headers come from Django's SecurityMiddleware, set in portal/settings.py:
Referrer-Policy, X-Content-Type-Options, and HSTS when cookies are Secure.
"""

from __future__ import annotations

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

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
