"""The registry client on its own (no Django), against the real registries of the test run."""

import pytest

from portal.registries.client import AuthRefused, Denied, NotARegistry, RegistryClient, RegistryUnreachable, registry
from portal.registries.client.session import RegistrySession, parse_challenge
from tests.support.registry_images import ImagePusher

from ..conftest import PASSWORD, TOKEN_PASSWORD, TOKEN_USER, URL, USER


def test_a_bearer_challenge_is_read_with_its_parameters():
    challenge = parse_challenge(
        'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull,push"'
    )

    assert challenge.scheme == "bearer"
    assert challenge.params == {
        "realm": "https://auth.example/token",
        "service": "registry.example",
        "scope": "repository:a/b:pull,push",
    }
    assert parse_challenge('Basic realm="x"').scheme == "basic" and parse_challenge("") is None


def test_the_catalog_and_tags_follow_the_link_header_across_pages(pushed, monkeypatch):
    namespace, _ = pushed
    # A page per name: the test's two names alone span pages, however empty the registry is.
    monkeypatch.setattr(registry, "PAGE", 1)
    client = RegistryClient(URL, USER, PASSWORD)
    requested = []
    original = client.session.get
    monkeypatch.setattr(client.session, "get", lambda url, **kw: requested.append(url) or original(url, **kw))

    names = client.catalog()
    tags = client.tags(f"{namespace}/app")

    assert f"{namespace}/app" in names and f"{namespace}/tools" in names
    catalog_pages = [url for url in requested if "_catalog" in url]
    assert len(catalog_pages) >= len(names) > 1 and "last=" in catalog_pages[1]
    assert sorted(tags) == ["1.0", "latest", "multi", "multi-amd64", "multi-arm64"]
    # (this registry, distribution 2.8, pages its catalog but not tag lists; both go through _paged)


def test_a_token_is_fetched_once_per_scope_and_reused(token_registry):
    service = token_registry.token_service
    client = RegistryClient(token_registry.url, TOKEN_USER, TOKEN_PASSWORD)
    before = service.issued

    for _ in range(3):
        client.tags("team/app")
        client.tag("team/app", "v1")

    assert service.issued - before == 1  # one scope (repository:team/app:pull), one token


def test_a_push_without_the_right_is_denied_with_a_sentence(token_registry):
    pusher = ImagePusher(RegistrySession(token_registry.url, TOKEN_USER, TOKEN_PASSWORD))

    with pytest.raises(Denied, match=f"User {TOKEN_USER} may not push to secret/x on {token_registry.url}"):
        pusher.image("secret/x", "1")


def test_basic_auth_with_a_wrong_password_and_no_password(pushed):
    with pytest.raises(AuthRefused, match="refused the username and password"):
        RegistryClient(URL, USER, "wrong").catalog()
    with pytest.raises(AuthRefused, match="needs a username and password"):
        RegistryClient(URL).catalog()


def test_what_is_no_registry_and_where_nothing_listens(not_a_registry, nowhere):
    with pytest.raises(NotARegistry):
        RegistryClient(not_a_registry).check()
    with pytest.raises(RegistryUnreachable, match="connection refused"):
        RegistryClient(nowhere).check()


def test_the_password_never_shows_in_the_clients_repr():
    client = RegistryClient(URL, USER, PASSWORD)

    assert PASSWORD not in repr(client.session) and PASSWORD not in repr(client.session.__dict__.get("username"))
