"""Server-side sessions, deactivation, password change, API tokens and the audit trail, on both databases.

Each test makes its own users (the world is shared by the module), signs
them in with real clients, and checks the effect where a user would see it
(the next request) and where an auditor would (the audit log).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from starlette.testclient import TestClient
from web_world import PASSWORD, csrf_of, sign_in

from adapters.db import audit
from adapters.db.audit_tables import api_tokens, audit_log, web_sessions
from adapters.db.users import SqlUserStore
from adapters.settings import Settings
from adapters.web.auth import hash_password

Client = Callable[[str | None], TestClient]
NEW_PASSWORD = "một mật khẩu mới dài"


@pytest.fixture(scope="module")
def password_hash() -> str:
    return hash_password(PASSWORD)


@pytest.fixture
def person(api_world: tuple[Engine, Settings], password_hash: str, request: pytest.FixtureRequest) -> str:
    """A fresh treasury user named after the test."""
    name = "u-" + hashlib.sha256(request.node.nodeid.encode()).hexdigest()[:10]
    SqlUserStore(api_world[0]).add(name, password_hash, "treasury", actor="cli:test")
    return name


def signed_in_as(client: Client, name: str) -> TestClient:
    test_client = client(None)
    sign_in(test_client, name)
    return test_client


def is_signed_in(test_client: TestClient) -> bool:
    return test_client.get("/", follow_redirects=False).status_code == 200


def entries(engine: Engine, **where: str) -> list[dict[str, Any]]:
    a = audit_log.c
    statement = select(audit_log).order_by(a.seq)
    for column, value in where.items():
        statement = statement.where(a[column] == value)
    with engine.connect() as conn:
        return [dict(row) for row in conn.execute(statement).mappings()]


def recon(engine: Engine, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "recon.toml"
    config.write_text("", encoding="utf-8")
    env = {**os.environ, "RECON_DATABASE_URL": engine.url.render_as_string(hide_password=False)}
    command = [str(Path(sys.executable).parent / "recon"), "--config", str(config), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False, env=env)


def test_the_cookie_carries_only_a_signed_random_id_and_a_new_one_at_sign_in(
    client: Client, api_world: tuple[Engine, Settings], person: str
) -> None:
    test_client = client(None)
    test_client.get("/login")
    before = test_client.cookies["recon_session"]
    sign_in(test_client, person)
    after = test_client.cookies["recon_session"]
    assert after != before
    session_id, _, signature = after.rpartition(".")
    assert len(session_id) >= 43
    assert signature
    assert "user" not in after
    assert person not in after
    with api_world[0].connect() as conn:
        rows = conn.execute(select(web_sessions.c.id_hash, web_sessions.c.data)).all()
    hashes = {row.id_hash for row in rows}
    assert hashlib.sha256(session_id.encode()).hexdigest() in hashes
    assert hashlib.sha256(before.rpartition(".")[0].encode()).hexdigest() not in hashes
    assert all(session_id not in row.data for row in rows)


def test_a_forged_or_replayed_cookie_signs_nobody_in(client: Client, person: str) -> None:
    test_client = signed_in_as(client, person)
    cookie = test_client.cookies["recon_session"]
    test_client.post("/logout", data={"csrf_token": csrf_of(test_client.get("/").text)})
    replay = client(None)
    replay.cookies.set("recon_session", cookie)
    assert not is_signed_in(replay)  # signing out ended the session on the server
    forged = client(None)
    forged.cookies.set("recon_session", "A" * 43 + "." + cookie.rpartition(".")[2])
    assert not is_signed_in(forged)


def test_deactivating_a_user_ends_every_session_at_once(
    client: Client, api_world: tuple[Engine, Settings], person: str, tmp_path: Path
) -> None:
    first, second = signed_in_as(client, person), signed_in_as(client, person)
    assert is_signed_in(first)
    assert is_signed_in(second)
    result = recon(api_world[0], tmp_path, "user", "deactivate", person)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"user {person} deactivated; 2 session(s) ended"
    assert not is_signed_in(first)
    assert not is_signed_in(second)
    retry = client(None)
    token = csrf_of(retry.get("/login").text)
    form = {"username": person, "password": PASSWORD, "csrf_token": token}
    assert retry.post("/login", data=form, follow_redirects=False).status_code == 401
    [entry] = entries(api_world[0], action="user_deactivate", target=f"user:{person}")
    assert entry["actor"].startswith("cli:")


def test_deactivating_an_unknown_user_fails_with_one_line(
    api_world: tuple[Engine, Settings], tmp_path: Path
) -> None:
    result = recon(api_world[0], tmp_path, "user", "deactivate", "nobody-at-all")
    assert result.returncode == 2
    assert result.stderr.strip() == "recon user: No user by the key 'nobody-at-all' was found"


def test_an_admin_deactivates_a_user_from_the_web(
    client: Client, api_world: tuple[Engine, Settings], person: str
) -> None:
    victim = signed_in_as(client, person)
    admin = client("admin")
    page = admin.get("/admin/users")
    assert page.status_code == 200
    assert person in page.text
    path = f"/admin/users/{person}/deactivate"
    assert admin.post(path, follow_redirects=False).status_code == 403  # no CSRF token
    assert is_signed_in(victim)
    response = admin.post(path, data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert (response.status_code, response.headers["location"]) == (303, "/admin/users")
    assert not is_signed_in(victim)
    assert entries(api_world[0], action="user_deactivate", target=f"user:{person}")[0]["actor"] == "admin"
    own = admin.post("/admin/users/admin/deactivate", data={"csrf_token": csrf_of(page.text)})
    assert own.status_code == 409
    assert is_signed_in(admin)


@pytest.mark.parametrize("username", ["thu", "ops", "hanoi"])
def test_only_admins_see_the_users_page(client: Client, username: str) -> None:
    test_client = client(username)
    assert test_client.get("/admin/users").status_code == 404
    token = csrf_of(test_client.get("/").text)
    assert test_client.post("/admin/users/vien/deactivate", data={"csrf_token": token}).status_code == 404


def test_changing_the_password_needs_the_current_one_and_ends_the_other_sessions(
    client: Client, api_world: tuple[Engine, Settings], person: str
) -> None:
    here, elsewhere = signed_in_as(client, person), signed_in_as(client, person)
    token = csrf_of(here.get("/account/password").text)

    def change(current: str, new: str, again: str, **extra: str) -> Any:
        form = {"current": current, "new": new, "again": again, **extra}
        return here.post("/account/password", data=form, follow_redirects=False)

    assert change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD).status_code == 403  # no CSRF token
    wrong = change("not my password", NEW_PASSWORD, NEW_PASSWORD, csrf_token=token)
    assert (wrong.status_code, "current password is wrong" in wrong.text) == (400, True)
    differ = change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", csrf_token=token)
    assert (differ.status_code, "differ" in differ.text) == (400, True)
    short = change(PASSWORD, "short", "short", csrf_token=token)
    assert short.status_code == 400
    assert is_signed_in(elsewhere)

    done = change(PASSWORD, NEW_PASSWORD, NEW_PASSWORD, csrf_token=token)
    assert (done.status_code, done.headers["location"]) == (303, "/account/password?changed=1")
    assert "Password changed" in here.get("/account/password?changed=1").text
    assert is_signed_in(here)
    assert not is_signed_in(elsewhere)

    fresh = client(None)
    form = {"username": person, "password": PASSWORD, "csrf_token": csrf_of(fresh.get("/login").text)}
    assert fresh.post("/login", data=form, follow_redirects=False).status_code == 401
    sign_in(fresh, person, NEW_PASSWORD)
    actions = [e["action"] for e in entries(api_world[0], actor=person)]
    assert actions.count("password_change_failed") == 1
    assert "password_change" in actions


def test_sign_ins_failures_sign_outs_downloads_and_workflow_actions_are_audited(
    client: Client, api_world: tuple[Engine, Settings], person: str
) -> None:
    engine = api_world[0]
    failed = client(None)
    form = {"username": person, "password": "wrong one", "csrf_token": csrf_of(failed.get("/login").text)}
    failed.post("/login", data=form)
    test_client = signed_in_as(client, person)
    assert test_client.get("/reports/2026-11-25-v1.csv").status_code == 200
    assert test_client.get("/statements/01/2026-11-25.xml").status_code == 200
    page = test_client.get("/?date=2026-11-25")
    item = page.text.split('href="/discrepancies/')[1].split('"')[0]
    token = csrf_of(page.text)
    test_client.post(f"/discrepancies/{item}/comment", data={"note": "gọi VNPay", "csrf_token": token})
    test_client.post("/logout", data={"csrf_token": token})

    mine = entries(engine, actor=person)
    assert [e["action"] for e in mine] == [
        "sign_in_failed",
        "sign_in",
        "download",
        "download",
        "workflow_comment",
        "sign_out",
    ]
    assert mine[2]["target"] == "report-2026-11-25-v1.csv"
    assert mine[3]["target"] == "statement-01-2026-11-25.xml"
    assert '"note":"gọi VNPay"' in mine[4]["details"]
    assert all(e["at"].tzinfo is not None for e in mine)
    with engine.connect() as conn:
        assert audit.verify(conn).broken is None


@pytest.mark.parametrize(("username", "status"), [("admin", 200), ("thu", 200), ("ops", 404), ("hanoi", 404)])
def test_the_audit_page_is_for_admin_and_treasury_newest_first_in_local_time(
    client: Client, api_world: tuple[Engine, Settings], username: str, status: int
) -> None:
    test_client = client(username)
    response = test_client.get("/audit")
    assert response.status_code == status
    if status != 200:
        return
    newest = entries(api_world[0])[-1]
    local = newest["at"].astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    html = response.text
    first_row = html.split("<tbody>")[1].split("</tr>")[0]
    assert f'<td class="num">{newest["seq"]}</td>' in first_row  # newest first
    assert local.strftime("%d/%m/%Y %H:%M:%S") in first_row


def test_the_audit_page_pages(client: Client, api_world: tuple[Engine, Settings]) -> None:
    for n in range(60):
        audit.record(api_world[0], "cli:test", "comment", f"item-{n}")
    html = client("admin").get("/audit?page=2").text
    assert "trang / page 2 /" in html
    assert "← Mới hơn / Newer" in html
    total = len(entries(api_world[0]))
    assert f'<td class="num">{total - 50}</td>' in html
    assert f'<td class="num">{total - 49}</td>' not in html


def test_recon_token_add_prints_it_once_and_stores_only_its_hash(
    client: Client, api_world: tuple[Engine, Settings], tmp_path: Path
) -> None:
    engine = api_world[0]
    made = recon(engine, tmp_path, "token", "add", "hcm-system", "--role", "province", "--province", "79")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("rcn_")
    assert len(token) >= 40
    with engine.connect() as conn:
        stored = conn.execute(select(api_tokens).where(api_tokens.c.name == "hcm-system")).mappings().one()
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(dict(stored))
    api = client(None)
    api.headers["Authorization"] = f"Bearer {token}"
    body = api.get("/api/v1/discrepancies", params={"date": "2026-11-25"}).json()
    assert body["total"] > 0
    assert {item["province_code"] for item in body["items"]} == {"79"}

    revoked = recon(engine, tmp_path, "token", "revoke", "hcm-system")
    assert (revoked.returncode, revoked.stdout.strip()) == (0, "token hcm-system revoked")
    assert api.get("/api/v1/discrepancies", params={"date": "2026-11-25"}).status_code == 401
    actions = [(e["action"], e["target"]) for e in entries(engine) if e["target"] == "token:hcm-system"]
    assert actions == [("token_add", "token:hcm-system"), ("token_revoke", "token:hcm-system")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "x1", "--role", "admin"], "invalid choice: 'admin'"),
        (["add", "x2", "--role", "province"], "a province user needs --province CODE"),
        (["add", "x3", "--role", "province", "--province", "99"], "No province by the key '99' was found"),
        (["add", "x4", "--role", "ops", "--province", "01"], "only province users are bound to a province"),
        (["revoke", "never-made"], "No active token by the key 'never-made' was found"),
    ],
)
def test_recon_token_refuses_bad_requests_with_one_line(
    api_world: tuple[Engine, Settings], tmp_path: Path, args: list[str], message: str
) -> None:
    result = recon(api_world[0], tmp_path, "token", *args)
    assert result.returncode != 0
    assert message in result.stderr
    assert result.stdout == ""


def test_ops_rerun_a_date_from_the_web_and_the_rerun_is_audited(
    client: Client, api_world: tuple[Engine, Settings]
) -> None:
    ops = client("ops")
    page = ops.get("/runs/2026-11-25-v1/changes")
    assert 'action="/runs/2026-11-25-v1/rerun"' in page.text
    token = csrf_of(page.text)
    assert ops.post("/runs/2026-11-25-v1/rerun", data={"reason": "x"}).status_code == 403  # no CSRF token
    empty = ops.post("/runs/2026-11-25-v1/rerun", data={"reason": " ", "csrf_token": token})
    assert (empty.status_code, "say why" in empty.text) == (400, True)
    done = ops.post(
        "/runs/2026-11-25-v1/rerun",
        data={"reason": "tệp VNPay sửa lại", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    new_id = done.headers["location"].split("/")[2]
    assert new_id.startswith("2026-11-25-v")
    assert new_id != "2026-11-25-v1"
    assert "tệp VNPay sửa lại" in ops.get(done.headers["location"]).text
    [entry] = entries(api_world[0], action="rerun", target=new_id)
    assert entry["actor"] == "ops"
    assert '"previous":"2026-11-25-v1"' in entry["details"]


@pytest.mark.parametrize("username", ["thu", "hanoi"])
def test_only_ops_and_admin_may_rerun_from_the_web(client: Client, username: str) -> None:
    test_client = client(username)
    token = csrf_of(test_client.get("/").text)
    response = test_client.post("/runs/2026-11-25-v1/rerun", data={"reason": "x", "csrf_token": token})
    assert response.status_code == 404


def test_recon_rerun_is_audited_with_the_operating_system_user(
    api_world: tuple[Engine, Settings], tmp_path: Path
) -> None:
    engine = api_world[0]
    result = recon(
        engine, tmp_path, "rerun", "--date", "2026-11-25", "--province", "79", "--reason", "MT940 sửa"
    )
    assert result.returncode == 0, result.stderr
    run_id = result.stdout.splitlines()[0]
    [entry] = entries(engine, action="rerun", target=run_id)
    assert entry["actor"].startswith("cli:")
    assert '"provinces":["79"]' in entry["details"]
    assert '"reason":"MT940 sửa"' in entry["details"]
    verified = recon(engine, tmp_path, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("audit log intact: ")


def test_guessing_the_current_password_is_throttled(client: Client, person: str) -> None:
    test_client = signed_in_as(client, person)
    token = csrf_of(test_client.get("/account/password").text)

    def attempt(current: str) -> int:
        form = {"current": current, "new": NEW_PASSWORD, "again": NEW_PASSWORD, "csrf_token": token}
        return test_client.post("/account/password", data=form, follow_redirects=False).status_code

    assert [attempt(f"guess {n}") for n in range(10)] == [400] * 10
    assert attempt(PASSWORD) == 429
    assert is_signed_in(test_client)
