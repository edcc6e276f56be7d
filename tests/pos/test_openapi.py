"""/api/openapi.json describes every register API route (answers are checked in helpers.Api)."""

import re

import pytest


def test_openapi_document_is_served_and_lists_every_api_route(app, client):
    document = client.get("/api/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    routes = {(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in document["paths"].items() for method in item}
    assert routes and routes == documented


def test_openapi_document_is_a_valid_openapi_3_1_spec(client):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(client.get("/api/openapi.json").get_json())
