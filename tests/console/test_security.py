"""The console refuses what it must: no session, the wrong role, a form without its CSRF token,
path traversal, too many failed logins; and no page it serves holds an unmasked value."""

from __future__ import annotations

import os
import re

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from pipeline.alerts.scan import find_unmasked_pii
from pipeline.console.sessions import COOKIE_NAME
from pipeline.outputs import call_dir
from pipeline.store import Role
from tests.console.seed import PASSWORDS, ROLES, Seeded, csrf_of, login

PUBLIC = {("GET", "/login"), ("POST", "/login")}  # the only routes open without a session


def luhn_card(prefix: str = "622202020011223") -> str:
    """``prefix`` with the Luhn check digit appended (a valid-looking card number)."""
    from pipeline.pii.checksums import luhn_valid

    return next(prefix + d for d in "0123456789" if luhn_valid(prefix + d))


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app serves, through included routers."""
    found = []
    pending = list(app.routes)
    while pending:
        route = pending.pop(0)
        included = getattr(route, "original_router", None)
        if included is not None:
            pending.extend(included.routes)
        elif isinstance(route, APIRoute):
            for method in sorted(route.methods - {"HEAD"}):
                found.append((method, route.path))
    return found


def _fill(path: str, seeded: Seeded) -> str:
    """A route's path with real ids put in."""
    detail = seeded.store.calls.get(seeded.call_pks["call-001"])
    assert detail is not None
    values = {
        "call_pk": str(detail.call.pk),
        "violation_pk": str(detail.violations[0].pk),
        "appeal_pk": "1",
        "name": "redacted.wav",
    }
    return re.sub(r"\{(\w+)\}", lambda m: values.get(m.group(1), "rita"), path)


def test_every_route_without_a_session_is_refused(
    app: FastAPI, client: TestClient, seeded: Seeded
) -> None:
    routes = _routes(app)
    assert len(routes) >= 18  # the inventory is real
    for method, path in routes:
        if (method, path) in PUBLIC:
            continue
        response = client.request(method, _fill(path, seeded), data={"csrf": "x"})
        if method == "GET":
            assert response.status_code == 303, (method, path)
            assert response.headers["location"] == "/login"
        elif path == "/logout":
            assert response.status_code == 403  # no session: the token cannot match
        else:
            assert response.status_code == 401, (method, path, response.status_code)
    assert seeded.store.reviews.precision()[0].reviewed == 0  # nothing was changed


# (method, path template, roles allowed); every other role must get 403
ACCESS = [
    ("GET", "/calls", {Role.REVIEWER, Role.SUPERVISOR, Role.AUDITOR}),
    ("GET", "/calls/{call_pk}", {Role.REVIEWER, Role.SUPERVISOR, Role.AUDITOR}),
    ("GET", "/calls/{call_pk}/audio/{name}", {Role.REVIEWER, Role.SUPERVISOR, Role.AUDITOR}),
    ("GET", "/dashboards", {Role.REVIEWER, Role.SUPERVISOR, Role.AUDITOR}),
    ("GET", "/rules/precision", {Role.REVIEWER, Role.SUPERVISOR, Role.AUDITOR}),
    ("GET", "/rules/precision.csv", {Role.REVIEWER, Role.SUPERVISOR, Role.AUDITOR}),
    ("GET", "/appeals", {Role.SUPERVISOR, Role.AUDITOR}),
    ("GET", "/assignments", {Role.SUPERVISOR, Role.AUDITOR}),
    ("GET", "/audit", {Role.AUDITOR}),
    ("GET", "/admin/users", {Role.ADMIN, Role.AUDITOR}),
    ("POST", "/findings/{violation_pk}/verdict", {Role.REVIEWER, Role.SUPERVISOR}),
    ("POST", "/findings/{violation_pk}/appeal", {Role.REVIEWER, Role.SUPERVISOR}),
    ("POST", "/appeals/{appeal_pk}/judgement", {Role.SUPERVISOR}),
    ("POST", "/assignments/plan", {Role.SUPERVISOR}),
    ("POST", "/admin/users", {Role.ADMIN}),
    ("POST", "/admin/users/{name}/disabled", {Role.ADMIN}),
]


def test_the_access_table_covers_every_route(app: FastAPI) -> None:
    covered = {(m, p) for m, p, _ in ACCESS} | PUBLIC | {("GET", "/"), ("POST", "/logout")}
    assert set(_routes(app)) == covered


@pytest.mark.parametrize("name", sorted(ROLES))
def test_each_role_is_refused_what_it_may_not_do(
    client: TestClient, seeded: Seeded, name: str
) -> None:
    token = login(client, name)
    role = ROLES[name]
    for method, template, roles in ACCESS:
        path = _fill(template, seeded)
        response = client.request(method, path, data={"csrf": token})
        if role in roles:
            assert response.status_code != 403, (name, method, path)
        else:
            assert response.status_code == 403, (name, method, path, response.status_code)
    if role is Role.AUDITOR:  # reads everything, changes nothing
        assert all(p.reviewed == 0 for p in seeded.store.reviews.precision())
        assert seeded.store.assignments.all() == []
        for page in ("/assignments", "/admin/users", "/appeals"):
            assert 'method="post"' not in client.get(page).text.split("</header>")[1]


def test_a_form_without_its_csrf_token_is_refused(client: TestClient, seeded: Seeded) -> None:
    token = login(client, "rita")
    detail = seeded.store.calls.get(seeded.call_pks["call-001"])
    assert detail is not None
    path = f"/findings/{detail.violations[0].pk}/verdict"
    for data in ({"verdict": "confirm"}, {"verdict": "confirm", "csrf": "forged" + token[6:]}):
        assert client.post(path, data=data).status_code == 403
    assert seeded.store.reviews.precision()[0].reviewed == 0
    assert client.post(path, data={"verdict": "confirm", "csrf": token}).status_code == 303
    # the login form needs its token as well
    client.cookies.clear()
    assert (
        client.post("/login", data={"name": "rita", "password": PASSWORDS["rita"]}).status_code
        == 403
    )


def test_path_traversal_and_unknown_ids_get_404(
    client: TestClient, seeded: Seeded, tmp_path
) -> None:
    login(client, "rita")
    pk = seeded.call_pks["call-001"]
    other = seeded.call_pks["call-002"]  # has no redacted recording
    (call_dir(seeded.out_dir, "call-002") / "original.wav").write_bytes(b"RIFF")
    secret = tmp_path / "outside.wav"
    secret.write_bytes(b"RIFF not yours")
    os.symlink(secret, call_dir(seeded.out_dir, "call-002") / "redacted.flac")
    for path in (
        "/calls/..%2F..%2Fetc%2Fpasswd",
        "/calls/../../etc/passwd",
        "/calls/1%2F..%2F2",
        "/calls/-1",
        "/calls/99999",
        f"/calls/{pk}/audio/..%2F..%2Fcallsentry.db",
        f"/calls/{pk}/audio/..%2Fcall-002%2Foriginal.wav",
        f"/calls/{pk}/audio/transcript.json",
        f"/calls/{pk}/audio/original.wav",
        f"/calls/{other}/audio/redacted.wav",
        f"/calls/{other}/audio/redacted.flac",  # a symlink out of the folder
        "/calls/..%2F1/audio/redacted.wav",
        "/static/..%2F..%2Fstore%2Fschema.py",
        "/static/../context.py",
        "/findings/abc/verdict",
    ):
        response = client.get(path)
        assert response.status_code in (404, 405), (path, response.status_code)
        assert b"RIFF" not in response.content
    assert client.get(f"/calls/{pk}/audio/redacted.wav").status_code == 200
    page = client.get(f"/calls/{other}").text
    assert "No redacted recording yet" in page and "<audio" not in page


def test_failed_logins_are_rate_limited(client: TestClient, seeded: Seeded) -> None:
    token = csrf_of(client.get("/login").text)
    limit = seeded.settings.console_login_max_failures
    for _ in range(limit):
        bad = client.post("/login", data={"name": "rita", "password": "guess-123", "csrf": token})
        assert bad.status_code == 401
    right = client.post(
        "/login", data={"name": "rita", "password": PASSWORDS["rita"], "csrf": token}
    )
    assert right.status_code == 429  # refused without checking the password
    assert client.get("/calls").status_code == 303
    # the same client is refused for another name too; another client and name are not
    other_name = TestClient(client.app, follow_redirects=False)
    token = csrf_of(other_name.get("/login").text)
    sam = {"name": "sam", "password": PASSWORDS["sam"], "csrf": token}
    assert other_name.post("/login", data=sam).status_code == 429
    elsewhere = TestClient(client.app, follow_redirects=False, client=("10.1.2.3", 50000))
    assert login(elsewhere, "sam")


def test_session_cookie_is_signed_httponly_and_samesite(client: TestClient) -> None:
    response = client.get("/login")
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert "content-security-policy" in response.headers
    login(client, "rita")
    value = client.cookies[COOKIE_NAME]
    tampered = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    client.cookies.clear()  # one cookie only: the jar would send the real one beside it
    client.cookies.set(COOKIE_NAME, tampered)
    assert client.get("/calls").status_code == 303  # a tampered cookie is no session


def test_unmasked_values_in_comments_are_refused_and_transcripts_withheld(
    client: TestClient, seeded: Seeded
) -> None:
    token = login(client, "rita")
    detail = seeded.store.calls.get(seeded.call_pks["call-001"])
    assert detail is not None
    card = luhn_card()
    assert find_unmasked_pii(card)  # a Luhn-valid 16-digit number
    response = client.post(
        f"/findings/{detail.violations[0].pk}/verdict",
        data={"verdict": "confirm", "comment": f"card {card}", "csrf": token},
    )
    assert response.status_code == 400
    assert seeded.store.reviews.precision()[0].reviewed == 0
    # an unmasked number slipped into a transcript file is not shown
    path = call_dir(seeded.out_dir, "call-002") / "transcript.json"
    path.write_text(path.read_text(encoding="utf-8").replace("138****5678", "13812345678"), "utf-8")
    page = client.get(f"/calls/{seeded.call_pks['call-002']}")
    assert page.status_code == 200 and "13812345678" not in page.text
    assert "withheld" in page.text


def test_no_page_served_holds_an_unmasked_value(app: FastAPI, seeded: Seeded) -> None:
    scanned = 0
    for name in sorted(ROLES):
        with TestClient(app, follow_redirects=False) as c:
            login(c, name)
            for method, template, roles in ACCESS:
                if method != "GET" or ROLES[name] not in roles or "audio" in template:
                    continue
                for call_id in seeded.call_pks if "{call_pk}" in template else ["-"]:
                    path = _fill(template, seeded).replace(
                        f"/calls/{seeded.call_pks['call-001']}",
                        f"/calls/{seeded.call_pks.get(call_id, 1)}",
                    )
                    response = c.get(path)
                    assert response.status_code == 200, path
                    assert find_unmasked_pii(response.text) == [], path
                    scanned += 1
    assert scanned > 20
