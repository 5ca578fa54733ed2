"""HTTP to one registry: timeouts, TLS, and authentication (Basic, or the Bearer token flow).

The Bearer flow (https://distribution.github.io/distribution/spec/auth/token/): a request answered
401 with `WWW-Authenticate: Bearer realm=…,service=…,scope=…` is retried with a token fetched from
the realm (with the registry's credentials as Basic auth, or none for anonymous access). Tokens are
cached per scope until shortly before they expire, so browsing one repository asks the token
service once. Requests-level failures become the error kinds of `errors`.

The registry's credentials go to the registry's own host only (the same host name, never from
https down to http). A token service on another host must speak https and be the one an admin
approved when saving the registry (`token_realm`, pinned then: see RegistryClient.check).
Redirects are followed here, hop by hop, not by requests: a hop to another host is refused, except
a bare https fetch of a blob (content-addressed, so checked by its digest) with no credentials at
all. Every answer is read up to a cap, so a registry cannot make Berth hold more than that.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
import urllib3
from requests.adapters import HTTPAdapter

from .errors import (
    AnswerTooLarge,
    AuthRefused,
    Denied,
    NotARegistry,
    NotFound,
    RegistryError,
    RegistryUnreachable,
    TLSFailure,
    UntrustedHost,
)

__all__ = ["MAX_ANSWER_BYTES", "Challenge", "RegistrySession", "on_host_of", "parse_challenge"]

# (connect, read) seconds: a registry that does not answer within these is reported unreachable.
DEFAULT_TIMEOUT = (3.05, 20.0)
# A token is renewed this many seconds before it expires.
TOKEN_MARGIN = 10.0
# The most Berth reads of one answer (a manifest, a catalog page, a token): the distribution
# registry itself refuses manifests over 4 MiB.
MAX_ANSWER_BYTES = 4 * 1024 * 1024
MAX_REDIRECTS = 5
REDIRECTS = {301, 302, 303, 307, 308}
# Not verifying a registry's certificate is an admin's explicit choice, shown on its page; a
# warning on every request would only drown the logs.
urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
_PARAM = re.compile(r'(\w+)\s*=\s*(?:"([^"]*)"|([^,\s]*))')


@dataclass(frozen=True)
class Challenge:
    """What a 401's WWW-Authenticate asks for: a scheme ("basic" or "bearer") and its parameters."""

    scheme: str
    params: dict[str, str]


def parse_challenge(header: str) -> Challenge | None:
    if not header:
        return None
    scheme, _, rest = header.strip().partition(" ")
    params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3) for m in _PARAM.finditer(rest)}
    return Challenge(scheme.lower(), params)


def on_host_of(base_url: str, url: str) -> bool:
    """Whether `url` is on the host of `base_url`: the same host name (any port), and no step
    down from https to http."""
    base, other = urlsplit(base_url), urlsplit(url)
    if other.scheme not in ("http", "https") or not other.hostname:
        return False
    if base.scheme == "https" and other.scheme != "https":
        return False
    return (base.hostname or "") == other.hostname


def _error_codes(response: requests.Response) -> list[str]:
    """The registry's error codes (`{"errors": [{"code": …}]}`), empty when the body is not that."""
    try:
        body = response.json()
    except ValueError:
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [str(e.get("code", "")) for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


class RegistrySession:
    """Authenticated requests to the registry at `base_url` (scheme and host, maybe a path prefix)."""

    def __init__(
        self,
        base_url: str,
        username: str = "",
        password: str = "",
        *,
        verify_tls: bool = True,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        pool_size: int = 16,
        token_realm: str = "",
        learn_realm: bool = False,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        self.username = username or ""
        self._password = password or ""
        # The token service on another host that an admin approved; `learn_realm` (the check made
        # when a registry is saved) accepts the one the registry names and keeps it in learned_realm.
        self.token_realm = token_realm or ""
        self.learn_realm = learn_realm
        self.learned_realm = ""
        self.timeout = timeout
        self.http = requests.Session()
        self.http.verify = verify_tls
        self.http.headers["User-Agent"] = "Berth registry client"
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=pool_size)
        self.http.mount("http://", adapter)
        self.http.mount("https://", adapter)
        self._lock = threading.Lock()
        self._tokens: dict[str, tuple[str, float]] = {}
        self._basic = False  # the registry asked for Basic auth once: send it up front from now on

    @property
    def has_credentials(self) -> bool:
        return bool(self.username and self._password)

    def __repr__(self) -> str:  # never the password
        return f"RegistrySession({self.base_url!r}, username={self.username!r})"

    def url(self, path: str) -> str:
        return urljoin(self.base_url, path.lstrip("/"))

    def on_own_host(self, url: str) -> bool:
        return on_host_of(self.base_url, url)

    def close(self) -> None:
        self.http.close()

    # --- requests -----------------------------------------------------------------------------

    def get(
        self,
        path_or_url: str,
        *,
        scope: str = "",
        headers: dict | None = None,
        max_bytes: int = MAX_ANSWER_BYTES,
        blob: bool = False,
    ) -> requests.Response:
        """GET with authentication; a 2xx response, or the error of its kind. `blob`: the answer is
        content-addressed, so a redirect to another host may be followed bare (see the module)."""
        return self.request("GET", path_or_url, scope=scope, headers=headers, max_bytes=max_bytes, blob=blob)

    def get_public(self, url: str, *, max_bytes: int = MAX_ANSWER_BYTES) -> requests.Response:
        """GET of a public URL beside the registry (Docker Hub's search) with no credentials at all."""
        response = self._exchange("GET", url, headers={}, max_bytes=max_bytes, bare_elsewhere=True)
        self._raise_for_status(response, "")
        return response

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        scope: str = "",
        headers: dict | None = None,
        data: bytes | None = None,
        max_bytes: int = MAX_ANSWER_BYTES,
        blob: bool = False,
    ) -> requests.Response:
        """A request with authentication (`scope` names what a Bearer token must grant); a 2xx
        response, or the error of its kind. Only on the registry's own host."""
        url = path_or_url if "://" in path_or_url else self.url(path_or_url)
        if not self.on_own_host(url):
            raise UntrustedHost(
                f"{self._where()} sent Berth to {self.origin(url)}, another host: its credentials go to it alone."
            )
        send = lambda: self._send(method, url, scope, headers, data, max_bytes, blob)  # noqa: E731
        response = send()
        if response.status_code == 401:
            challenge = parse_challenge(response.headers.get("WWW-Authenticate", ""))
            if challenge is None:
                raise NotARegistry(f"{self._where()} answered 401 without saying how to log in: it is not a registry.")
            self._answer(challenge, scope)
            response = send()
            if response.status_code == 401:
                again = parse_challenge(response.headers.get("WWW-Authenticate", ""))
                if again is not None and again.params.get("error") == "insufficient_scope":
                    raise Denied(self._denied(scope))
                raise self._refused()
        self._raise_for_status(response, scope)
        return response

    def _send(self, method, url, scope, headers, data, max_bytes, blob):
        headers = dict(headers or {})
        auth = None
        token = self._token(scope)
        if token:
            headers["Authorization"] = f"Bearer {token}"
        elif self._basic and self.has_credentials:
            auth = (self.username, self._password)
        return self._exchange(
            method, url, headers=headers, auth=auth, data=data, max_bytes=max_bytes, bare_elsewhere=blob
        )

    def _exchange(
        self,
        method: str,
        url: str,
        *,
        headers: dict,
        auth=None,
        data: bytes | None = None,
        params: dict | None = None,
        max_bytes: int = MAX_ANSWER_BYTES,
        bare_elsewhere: bool = False,
    ) -> requests.Response:
        """One request and the redirects it answers with, each hop checked: on the registry's host
        a hop keeps its credentials; to another host only a bare https GET when `bare_elsewhere`."""
        for _ in range(MAX_REDIRECTS + 1):
            response = self._http(method, url, headers=headers, auth=auth, data=data, params=params)
            location = response.headers.get("Location")
            if response.status_code not in REDIRECTS or not location:
                return self._read(response, max_bytes)
            response.close()
            target = urljoin(response.url, location)
            if not self.on_own_host(target):
                if not bare_elsewhere or urlsplit(target).scheme != "https":
                    raise UntrustedHost(
                        f"{self._where()} redirected {urlsplit(url).path or '/'} to {self.origin(target)}, another "
                        "host: Berth does not follow it there with the registry's credentials."
                    )
                headers = {name: value for name, value in headers.items() if name.lower() != "authorization"}
                auth = None
            if response.status_code == 303:
                method, data = "GET", None
            url, params = target, None
        raise NotARegistry(f"{self._where()} redirected more than {MAX_REDIRECTS} times.")

    def _read(self, response: requests.Response, limit: int) -> requests.Response:
        """The answer read into memory, up to `limit` bytes (after decompression), or AnswerTooLarge."""
        declared = response.headers.get("Content-Length", "")
        too_large = AnswerTooLarge(
            f"{self.origin(response.url)} answered {urlsplit(response.url).path} with more than "
            f"{limit // (1024 * 1024)} MiB; Berth reads no more than that."
        )
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise too_large
        body = bytearray()
        try:
            for chunk in response.iter_content(64 * 1024):
                body += chunk
                if len(body) > limit:
                    response.close()
                    raise too_large
        except requests.exceptions.RequestException as exc:
            response.close()
            raise RegistryUnreachable(f"{self.origin(response.url)} stopped answering ({_reason(exc)}).") from None
        response._content = bytes(body)  # what .content, .json() and .text read from now on
        return response

    def _http(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            # verify given each time: a session's own is overridden by REQUESTS_CA_BUNDLE (requests#3829).
            return self.http.request(
                method, url, timeout=self.timeout, verify=self.http.verify, allow_redirects=False, stream=True, **kwargs
            )
        except requests.exceptions.SSLError as exc:
            raise TLSFailure(
                f"TLS with {self.origin(url)} failed ({_reason(exc)}). If it serves plain HTTP, use an http:// URL; "
                "if its certificate is self-signed, turn off TLS verification for it."
            ) from None
        except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as exc:
            if "RemoteDisconnected" in str(exc) or "BadStatusLine" in str(exc):
                raise NotARegistry(f"Something at {self.origin(url)} answered, but not in HTTP.") from None
            raise RegistryUnreachable(
                f"Nothing answered at {self.origin(url)} ({_reason(exc)}): is the registry running and the URL right?"
            ) from None
        except requests.exceptions.RequestException as exc:
            raise NotARegistry(f"{self.origin(url)} could not be asked: {_reason(exc)}.") from None

    # --- authentication -----------------------------------------------------------------------

    def _answer(self, challenge: Challenge, scope: str) -> None:
        if challenge.scheme == "basic":
            if not self.has_credentials or self._basic:
                raise self._refused()
            self._basic = True
        elif challenge.scheme == "bearer":
            self._fetch_token(challenge, scope)
        else:
            raise NotARegistry(f"{self._where()} asks for {challenge.scheme!r} authentication, which Berth cannot do.")

    def _approve_realm(self, realm: str) -> None:
        """A token service on the registry's host is the registry's own; one elsewhere must speak
        https and be the one pinned when the registry was saved (or is being saved: learn_realm)."""
        if self.on_own_host(realm):
            return
        if urlsplit(realm).scheme != "https":
            raise UntrustedHost(
                f"{self._where()} names a token service on another host over plain HTTP ({realm}): Berth sends "
                "credentials to another host over HTTPS only."
            )
        if self.learn_realm:
            self.learned_realm = realm
            return
        if realm == self.token_realm:
            return
        approved = (
            f"not the one approved when it was saved ({self.token_realm})"
            if self.token_realm
            else "and none was approved when it was saved"
        )
        raise UntrustedHost(
            f"{self._where()} names a token service on another host, {realm}, {approved}. An admin must save the "
            "registry again, with the connection check, to approve it."
        )

    def _token(self, scope: str) -> str:
        with self._lock:
            token, expires = self._tokens.get(scope, ("", 0.0))
        return token if token and time.monotonic() < expires else ""

    def _fetch_token(self, challenge: Challenge, scope: str) -> None:
        realm = challenge.params.get("realm", "")
        if not realm.startswith(("http://", "https://")):
            raise NotARegistry(f"{self._where()} names no usable token service (realm {realm!r}).")
        self._approve_realm(realm)
        params = {"service": challenge.params.get("service", "")}
        wanted = challenge.params.get("scope") or scope
        if wanted:
            params["scope"] = wanted
        auth = None
        if self.has_credentials:
            params["account"] = self.username
            auth = (self.username, self._password)
        response = self._exchange("GET", realm, headers={}, params=params, auth=auth)
        if response.status_code in (401, 403):
            raise self._refused()
        if response.status_code != 200:
            raise NotARegistry(f"The token service at {realm} answered HTTP {response.status_code}.")
        try:
            body = response.json()
            token = body.get("token") or body.get("access_token")
            lifetime = float(body.get("expires_in") or 60)
        except (ValueError, AttributeError, TypeError):
            token = None
        if not token:
            raise NotARegistry(f"The token service at {realm} answered without a token.")
        with self._lock:
            self._tokens[scope] = (token, time.monotonic() + max(lifetime - TOKEN_MARGIN, 1.0))

    # --- errors -------------------------------------------------------------------------------

    def origin(self, url: str | None = None) -> str:
        parts = urlsplit(url or self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def _where(self) -> str:
        return f"The registry at {self.origin()}"

    def _refused(self) -> AuthRefused:
        if self.has_credentials:
            return AuthRefused(f"{self._where()} refused the username and password saved for it.")
        return AuthRefused(f"{self._where()} needs a username and password; none are saved for it.")

    def _denied(self, scope: str) -> str:
        first = scope.split()[0] if scope else ""
        _, what, actions = first.split(":", 2) if first.count(":") >= 2 else ("", "this", "pull")
        verb = "push to" if "push" in actions.split(",") else "read"
        who = f"User {self.username}" if self.has_credentials else "Anonymous access"
        return f"{who} may not {verb} {what} on {self.origin()}."

    def _raise_for_status(self, response: requests.Response, scope: str) -> None:
        status = response.status_code
        if 200 <= status < 300:
            return
        codes = _error_codes(response)
        if status == 403 or "DENIED" in codes:
            raise Denied(self._denied(scope))
        if status == 404:
            if not codes:
                raise NotARegistry(f"{self._where()} has no Registry API at {urlsplit(response.url).path}.")
            raise NotFound("Not found in the registry.")
        if status == 405 or "UNSUPPORTED" in codes:
            raise RegistryError(f"{self._where()} does not support {urlsplit(response.url).path}.")
        if status in (502, 503, 504):
            raise RegistryUnreachable(f"{self._where()} is unavailable (HTTP {status}).")
        said = f" ({', '.join(codes)})" if codes else ""
        raise RegistryError(f"{self._where()} answered HTTP {status}{said} to {urlsplit(response.url).path}.")


def _reason(exc: Exception) -> str:
    """The innermost reason of a requests error, short (urllib3 nests several)."""
    text = str(exc)
    if match := re.search(r"\[Errno -?\d+\] ([^'\")]+)", text):
        return match.group(1).strip().lower()
    if match := re.search(r"\[SSL(?:: [A-Z_]+)?\] ([^'\"(]+)", text):
        return match.group(1).strip()
    if "timed out" in text:
        return "timed out"
    return text[:160]
