"""Reading a git stack's files out of its repository, with the real `git`, in the portal worker
(never the web process: a URL a user typed is fetched by the one process whose job is to wait).

The portal fetching a URL a user chose is SSRF waiting to happen, so:

- only `https://` and `http://` (git's own protocol allow-list too: no `file://`, `ext::`, ssh);
- the host is resolved here and must be a public address, or one in BERTH_GIT_ALLOWED_NETWORKS
  (an in-house Gitea on 10.0.0.5, say); git is pinned to the addresses judged
  (`http.curloptResolve`), so a second lookup cannot answer another one, and follows no redirect;
- credentials never ride in the URL (one with a user in it is refused) or on a command line: a
  Basic header handed to git in its environment (GIT_CONFIG_*), no credential helper, no prompt;
- a shallow fetch of the one ref into a bare repository in a temporary folder, killed past
  BERTH_GIT_TIMEOUT seconds or BERTH_GIT_MAX_MB on disk, removed after; only the compose file and
  the .env beside it are read (`git cat-file`), each with its size checked first.

Each failure is a GitFailed with a sentence a user can act on (nothing a remote says is trusted
beyond a short, quoted line of it)."""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import os
import posixpath
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings

from portal.refusals import Refusal
from portal.stacks.checks import COMPOSE_LIMIT, ENV_LIMIT

__all__ = [
    "Credentials",
    "Fetched",
    "GitFailed",
    "checked_path",
    "checked_ref",
    "checked_url",
    "fetch",
    "remote_commit",
]

SCHEMES = {"https": 443, "http": 80}
REF_RE = re.compile(r"[A-Za-z0-9._/+-]+")
SHA_RE = re.compile(r"[0-9a-f]{40}(?:[0-9a-f]{24})?")
WATCH_EVERY = 0.1


class GitFailed(Refusal):
    """The repository could not be read: unreachable, no such ref or file, refused credentials."""

    code = "git_failed"


@dataclass(frozen=True)
class Credentials:
    """A username and a password or token (a token alone goes with a placeholder username, which
    GitHub, GitLab and Gitea all accept)."""

    username: str = ""
    secret: str = ""

    def __bool__(self) -> bool:
        return bool(self.secret)

    def __repr__(self) -> str:  # never the secret, whatever prints it
        return f"Credentials(username={self.username!r}, secret={'…' if self.secret else ''!r})"


@dataclass(frozen=True)
class Fetched:
    commit: str
    compose: str
    env: str


def checked_url(url: str) -> str:
    """The URL's shape, judged at the edge (where it resolves to is judged at each fetch)."""
    url = (url or "").strip()
    if not url or len(url) > 1024:
        raise GitFailed("Give the repository's URL (https://…), at most 1024 characters.", "invalid_git_url")
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise GitFailed(
            f"Berth fetches repositories over https:// or http:// only, not '{parts.scheme or url[:40]}'.",
            "invalid_git_url",
        )
    if parts.username is not None or parts.password is not None:
        raise GitFailed("Put the username and password or token in the credentials, not in the URL.", "invalid_git_url")
    if parts.query or parts.fragment:
        # A token in a query string would be shown wherever the URL is: credentials go apart.
        raise GitFailed("A repository URL has no ?query or #fragment: give credentials apart.", "invalid_git_url")
    if not parts.hostname or any(c.isspace() for c in url):
        raise GitFailed(f"'{url[:200]}' is not a repository URL.", "invalid_git_url")
    try:
        _ = parts.port
    except ValueError:
        raise GitFailed(f"'{url[:200]}' has a port that is not a number.", "invalid_git_url") from None
    return url


def checked_ref(ref: str) -> str:
    """A branch or tag name as git's check-ref-format would take it (and never an option)."""
    ref = (ref or "").strip()
    bad = (
        not REF_RE.fullmatch(ref)
        or len(ref) > 255
        or ref.startswith(("-", "/", "."))
        or ref.endswith(("/", ".", ".lock"))
        or ".." in ref
        or "//" in ref
        or "/." in ref
    )
    if bad:
        raise GitFailed(f"'{ref[:80]}' is not a branch or tag name.", "invalid_git_ref")
    return ref.removeprefix("refs/heads/").removeprefix("refs/tags/")


def checked_path(path: str) -> str:
    """The compose file's path inside the repository: relative, and inside it."""
    path = (path or "").strip() or "compose.yaml"
    normal = posixpath.normpath(path)
    if (
        path.startswith("/")
        or "\\" in path
        or normal == "."
        or normal.startswith("../")
        or normal == ".."
        or len(path) > 1024
        or any(ord(c) < 32 for c in path)
    ):
        raise GitFailed(f"'{path[:120]}' is not a path inside the repository.", "invalid_git_path")
    return normal


def _allowed(address: ipaddress._BaseAddress) -> bool:
    for network in getattr(settings, "BERTH_GIT_ALLOWED_NETWORKS", []):
        try:
            if address in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return address.is_global and not address.is_multicast


def _pinned(url: str) -> str:
    """`host:port:address,…` for curl, once every address the host resolves to is allowed."""
    parts = urlsplit(url)
    host, port = parts.hostname, parts.port or SCHEMES[parts.scheme]
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise GitFailed(
            f"The repository's host {host} cannot be found (DNS has no answer).", "git_unreachable"
        ) from None
    addresses = sorted({answer[4][0] for answer in answers})
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not _allowed(address):
            raise GitFailed(
                f"The repository's host {host} is at {text}, a private address Berth does not fetch from "
                "(an admin may allow it with BERTH_GIT_ALLOWED_NETWORKS).",
                "git_address_refused",
            )
    shown = ",".join(f"[{a}]" if ":" in a else a for a in addresses)
    return f"{host}:{port}:{shown}"


def _environment(home: Path, url: str, credentials: Credentials) -> dict[str, str]:
    config = [
        ("http.followRedirects", "false"),
        ("http.curloptResolve", _pinned(url)),
        ("credential.helper", ""),
        ("core.askPass", ""),
        ("protocol.allow", "never"),
        ("protocol.https.allow", "always"),
        ("protocol.http.allow", "always"),
        ("http.lowSpeedLimit", "1000"),
        ("http.lowSpeedTime", "20"),
    ]
    if credentials:
        pair = f"{credentials.username or 'x-access-token'}:{credentials.secret}".encode()
        config.append(("http.extraHeader", "Authorization: Basic " + base64.b64encode(pair).decode()))
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LC_ALL": "C",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "/bin/false",
        "SSH_ASKPASS": "/bin/false",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_ALLOW_PROTOCOL": "http:https",
        "GIT_CONFIG_COUNT": str(len(config)),
    }
    for index, (key, value) in enumerate(config):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env


def _size(folder: Path) -> int:
    total = 0
    for root, _dirs, files in os.walk(folder):
        for name in files:
            with contextlib.suppress(OSError):  # gone between the walk and the look
                total += os.lstat(os.path.join(root, name)).st_size
    return total


def _run(args: list[str], env: dict[str, str], folder: Path, what: str) -> str:
    """Run git; its stdout, or GitFailed with what it said. Killed past the time or size limit."""
    timeout = float(getattr(settings, "BERTH_GIT_TIMEOUT", 60))
    limit = int(float(getattr(settings, "BERTH_GIT_MAX_MB", 100)) * 1024 * 1024)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        process = subprocess.Popen(
            ["git", *args], cwd=folder, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL
        )
        deadline = time.monotonic() + timeout
        ended = False
        while not ended:
            try:  # back the moment git ends; between waits, the time and the size are looked at
                process.wait(timeout=max(0.0, min(WATCH_EVERY, deadline - time.monotonic())))
                ended = True
            except subprocess.TimeoutExpired:
                pass
            if not ended and time.monotonic() >= deadline:
                process.kill()
                process.wait()
                raise GitFailed(f"The repository took longer than {timeout:g} s to {what}.", "git_timeout")
            # Looked at once more after git ended: a fetch quicker than one look is capped too.
            if _size(folder) > limit:
                if not ended:
                    process.kill()
                    process.wait()
                raise GitFailed(
                    f"The repository is larger than {limit // (1024 * 1024)} MB at its tip (BERTH_GIT_MAX_MB).",
                    "git_too_large",
                )
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read(4096).decode(errors="replace")
    if process.returncode != 0:
        raise _failure(stderr, process.returncode)
    return stdout.decode(errors="replace")


def _failure(stderr: str, code: int) -> GitFailed:
    text = stderr.lower()
    lines = [line.strip() for line in stderr.splitlines() if line.strip() and not line.startswith("hint:")]
    said = (lines[-1] if lines else f"exit status {code}")[:200]
    # curl's "The requested URL returned error: 403" (the URL itself may hold any digits).
    http = re.search(r"returned error: (\d{3})", text)
    status = int(http.group(1)) if http else 0
    if "couldn't find remote ref" in text:
        return GitFailed("The repository has no branch or tag of that name.", "git_no_ref")
    if "could not read username" in text or "authentication failed" in text or status == 401:
        return GitFailed(
            "The repository refused to be read without valid credentials: check the username and token.",
            "git_auth",
        )
    if status == 403:
        return GitFailed("The repository refused these credentials (403): check the token's rights.", "git_auth")
    if "redirect" in text or status in (301, 302, 307, 308):
        return GitFailed(
            "The repository answered with a redirect, which Berth does not follow: give its final URL.",
            "git_redirect",
        )
    if any(word in text for word in ("could not resolve", "failed to connect", "connection refused", "timed out")):
        return GitFailed(f"The repository cannot be reached: {said}", "git_unreachable")
    if status == 404 or "not found" in text or "not a git repository" in text or "is this a git repository" in text:
        return GitFailed("There is no git repository at that URL.", "git_not_found")
    return GitFailed(f"git could not read the repository: {said}", "git_failed")


def remote_commit(url: str, ref: str, credentials: Credentials = Credentials()) -> str:
    """The commit `ref` (a branch, or a tag, peeled) points at, without fetching anything."""
    home = Path(tempfile.mkdtemp(prefix="berth-git-"))
    try:
        refs = [f"refs/heads/{ref}", f"refs/tags/{ref}", f"refs/tags/{ref}^{{}}"]
        out = _run(["ls-remote", "--", url, *refs], _environment(home, url, credentials), home, "answer")
    finally:
        shutil.rmtree(home, ignore_errors=True)
    found = dict(reversed(line.split("\t", 1)) for line in out.splitlines() if "\t" in line)
    for name in (f"refs/tags/{ref}^{{}}", f"refs/heads/{ref}", f"refs/tags/{ref}"):
        if SHA_RE.fullmatch(found.get(name, "")):
            return found[name]
    raise GitFailed(f"The repository has no branch or tag {ref}.", "git_no_ref")


def _blob(repo: Path, env: dict[str, str], spec: str, limit: int, what: str) -> str | None:
    """A file of the fetched commit, or None when there is none; GitFailed past `limit` bytes."""
    try:
        kind = _run(["cat-file", "-t", spec], env, repo, "read").strip()
    except GitFailed:
        return None
    if kind != "blob":
        return None
    if int(_run(["cat-file", "-s", spec], env, repo, "read").strip() or 0) > limit:
        raise GitFailed(f"{what} in the repository is larger than {limit // 1024} KiB.", "too_large")
    return _run(["cat-file", "blob", spec], env, repo, "read")


def fetch(url: str, ref: str, path: str, credentials: Credentials = Credentials()) -> Fetched:
    """The commit `ref` points at, the compose file at `path` in it and the .env beside it."""
    home = Path(tempfile.mkdtemp(prefix="berth-git-"))
    try:
        env = _environment(home, url, credentials)
        repo = home / "repo.git"
        _run(["init", "--quiet", "--bare", str(repo)], env, home, "start")
        try:
            _run(["fetch", "--quiet", "--depth", "1", "--no-tags", "--", url, ref], env, repo, "answer")
        except GitFailed as exc:
            if "shallow" not in exc.sentence:
                raise
            # A server without shallow fetches (git's "dumb" HTTP): the whole history, still capped.
            _run(["fetch", "--quiet", "--no-tags", "--", url, ref], env, repo, "answer")
        commit = _run(["rev-parse", "--verify", "FETCH_HEAD^{commit}"], env, repo, "read").strip()
        compose = _blob(repo, env, f"{commit}:{path}", COMPOSE_LIMIT, path)
        if compose is None:
            raise GitFailed(f"The repository has no file {path} at {ref} ({commit[:12]}).", "git_no_file")
        folder = posixpath.dirname(path)
        env_text = _blob(
            repo, env, f"{commit}:{posixpath.join(folder, '.env') if folder else '.env'}", ENV_LIMIT, ".env"
        )
        return Fetched(commit=commit, compose=compose, env=env_text or "")
    finally:
        shutil.rmtree(home, ignore_errors=True)
