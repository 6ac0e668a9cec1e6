from openapi_spec_validator import validate


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
