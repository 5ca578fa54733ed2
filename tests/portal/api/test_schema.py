"""/api/schema/ describes what the API answers: every refusal it may give, in the one body
(portal/api/schema.py), and fields as they come (found by tests/portal/api/test_schema_fuzz.py)."""

import pytest

from tests.portal.factories import make_superuser

pytestmark = pytest.mark.django_db

METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def schema(api):
    api.force_authenticate(make_superuser())
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def refusal_body(response: dict) -> str:
    return response["content"]["application/json"]["schema"]["$ref"]


def test_every_operation_declares_401_403_and_404_in_the_refusal_body(schema):
    for path, method, operation in operations(schema):
        for status in ("401", "403", "404"):
            assert status in operation["responses"], f"{method.upper()} {path} does not declare {status}"
            assert refusal_body(operation["responses"][status]) == "#/components/schemas/Refusal"
    assert set(schema["components"]["schemas"]["Refusal"]["required"]) == {"detail", "code"}


def test_what_reads_input_declares_400_and_what_changes_or_asks_a_host_declares_409_503_504(schema):
    for path, method, operation in operations(schema):
        responses = operation["responses"]
        if method in ("post", "patch") or any(p["in"] == "query" for p in operation.get("parameters", [])):
            assert "400" in responses, f"{method.upper()} {path}"
        if method in ("post", "patch"):
            assert "415" in responses, f"{method.upper()} {path}"
        if method != "get":
            assert {"409", "503", "504"} <= set(responses), f"{method.upper()} {path}"
    for asks in ("/api/v1/containers/{id}/logs/", "/api/v1/containers/{id}/diff/", "/api/v1/registries/search/"):
        assert {"409", "503", "504"} <= set(schema["paths"][asks]["get"]["responses"]), asks
    assert "503" not in schema["paths"]["/api/v1/teams/"]["get"]["responses"]


def test_a_registrys_team_name_is_documented_as_null_for_a_registry_of_no_team(schema):
    """It was documented as a string and answered null (issue 18)."""
    team_name = schema["components"]["schemas"]["Registry"]["properties"]["team_name"]

    assert team_name["nullable"] is True


def test_a_registry_tag_and_an_image_tag_are_two_components(schema):
    components = schema["components"]["schemas"]

    assert "RegistryTag" in components
    assert "digest" in components["RegistryTag"]["properties"]
    assert "digest" not in components["TagRequest"]["properties"]
