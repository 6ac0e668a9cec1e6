from openapi_spec_validator import validate
from pydantic import BaseModel


def test_openapi_document_is_valid_and_lists_the_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    assert {"/api/v1/auth/login", "/api/v1/auth/logout", "/api/v1/me"} <= set(spec["paths"])
    login = spec["paths"]["/api/v1/auth/login"]["post"]
    assert "422" in login["responses"]
    assert spec["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_interactive_docs_page_is_served(client):
    page = client.get("/api/v1/swagger")
    assert page.status_code == 200
    assert "openapi.json" in page.get_data(as_text=True)


def _models_named(root: type) -> dict[str, set[str]]:
    """Every pydantic model of ours, by class name → the modules that define one of that name."""
    found: dict[str, set[str]] = {}
    stack = [root]
    while stack:
        model = stack.pop()
        for sub in model.__subclasses__():
            stack.append(sub)
            if sub.__module__.startswith("miniapp_api.") and not sub.__name__.startswith("_"):
                found.setdefault(sub.__name__, set()).add(sub.__module__)
    return found


def test_no_two_models_share_a_name(app):
    """The OpenAPI document names its schemas by model name: two models of one name (a certificate's
    verification and a face verification, once) silently share one schema, and answers are checked against the
    wrong one."""
    shared = {name: sorted(modules) for name, modules in _models_named(BaseModel).items() if len(modules) > 1}
    assert shared == {}
