"""Signing in, CSRF, and what answers without a session (DESIGN.md §7 web routes)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from web_world import PASSWORD, csrf_of, sign_in

PAGES = ["/", "/discrepancies/1", "/nowhere", "/logout"]
DOWNLOADS = [
    "/statements/01/2026-11-25.pdf",
    "/statements/79/2026-11-25.xml",
    "/reports/2026-11-25-v1.json",
    "/reports/2026-11-25-v1.csv",
    "/reports/2026-11-25-v1.xlsx",
]


def test_the_health_check_answers_ok_to_anyone(app_client: TestClient) -> None:
    response = app_client.get("/healthz")
    assert (response.status_code, response.text) == (200, "ok")


def test_the_login_page_has_the_contract_fields_and_a_hidden_csrf_token(app_client: TestClient) -> None:
    html = app_client.get("/login").text
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'type="hidden" name="csrf_token"' in html
    assert len(csrf_of(html)) >= 32


def test_a_good_login_redirects_to_the_dashboard_and_sets_an_httponly_lax_session(
    app_client: TestClient,
) -> None:
    token = csrf_of(app_client.get("/login").text)
    response = app_client.post(
        "/login",
        data={"username": "thu", "password": PASSWORD, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"].lower()
    assert "recon_session=" in cookie
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert app_client.get("/", follow_redirects=False).status_code == 200


def test_a_login_without_the_csrf_token_is_forbidden(app_client: TestClient) -> None:
    app_client.get("/login")
    response = app_client.post(
        "/login", data={"username": "thu", "password": PASSWORD}, follow_redirects=False
    )
    assert response.status_code == 403
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_a_login_with_another_sessions_token_is_forbidden(app_client: TestClient) -> None:
    other = csrf_of(app_client.get("/login").text)
    app_client.cookies.clear()
    app_client.get("/login")
    response = app_client.post(
        "/login",
        data={"username": "thu", "password": PASSWORD, "csrf_token": other},
        follow_redirects=False,
    )
    assert response.status_code == 403


@pytest.mark.parametrize(("username", "password"), [("thu", "wrong password"), ("nobody", PASSWORD)])
def test_a_wrong_name_or_password_shows_the_form_again_with_the_same_error(
    app_client: TestClient, username: str, password: str
) -> None:
    token = csrf_of(app_client.get("/login").text)
    response = app_client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "Wrong username or password" in response.text
    assert 'name="password"' in response.text
    assert app_client.get("/", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("path", PAGES)
def test_a_page_without_a_session_redirects_to_the_login(app_client: TestClient, path: str) -> None:
    response = app_client.get(path, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


@pytest.mark.parametrize("path", DOWNLOADS)
def test_a_download_without_a_session_is_unauthorised(app_client: TestClient, path: str) -> None:
    response = app_client.get(path, follow_redirects=False)
    assert response.status_code == 401
    assert "%PDF" not in response.text
    assert "HN-" not in response.text


@pytest.mark.parametrize("path", ["/logout", "/discrepancies/1/comment", "/login"])
def test_a_state_changing_request_without_the_token_is_forbidden_even_when_signed_in(
    signed_in: Callable[[str], TestClient], path: str
) -> None:
    client = signed_in("thu")
    assert client.post(path, data={"note": "x"}, follow_redirects=False).status_code == 403
    assert client.get("/", follow_redirects=False).status_code == 200  # still signed in


def test_the_token_may_come_as_a_header(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("thu")
    token = csrf_of(client.get("/").text)
    response = client.post("/logout", headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_logging_out_ends_the_session(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("thu")
    token = csrf_of(client.get("/").text)
    response = client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/login")
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/reports/2026-11-25-v1.json").status_code == 401


def test_signing_in_gives_a_new_csrf_token(app_client: TestClient) -> None:
    before = csrf_of(app_client.get("/login").text)
    sign_in(app_client, "thu")
    assert csrf_of(app_client.get("/").text) != before


def test_every_response_carries_the_security_headers(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("thu")
    for path in ("/", "/login", "/healthz", "/reports/2026-11-25-v1.csv"):
        headers = client.get(path).headers
        assert headers["x-content-type-options"] == "nosniff"
        policy = headers["content-security-policy"]
        assert "default-src 'none'" in policy
        assert "style-src 'unsafe-inline'" in policy
        assert "frame-ancestors 'none'" in policy
        assert "script-src" not in policy


def test_the_pages_load_nothing_from_elsewhere(signed_in: Callable[[str], TestClient]) -> None:
    client = signed_in("thu")
    for path in ("/", "/login", "/discrepancies/1"):
        html = client.get(path).text
        assert "<script" not in html
        assert re.search(r'(src|href|action)="(https?:)?//', html) is None


def test_a_name_that_failed_too_often_is_refused_even_with_the_right_password(app_client: TestClient) -> None:
    def attempt(password: str) -> int:
        token = csrf_of(app_client.get("/login").text)
        data = {"username": "ops", "password": password, "csrf_token": token}
        return app_client.post("/login", data=data, follow_redirects=False).status_code

    assert [attempt("guess") for _ in range(10)] == [401] * 10
    assert attempt(PASSWORD) == 429
    assert app_client.get("/", follow_redirects=False).status_code == 303


def test_a_signed_in_user_gets_plain_not_found_and_method_not_allowed(
    signed_in: Callable[[str], TestClient],
) -> None:
    client = signed_in("thu")
    assert client.get("/nowhere", follow_redirects=False).status_code == 404
    assert client.get("/logout", follow_redirects=False).status_code == 405
