"""The call list's filters and paging, the call page (a transcript retention deleted too), and
the redacted recording."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from pipeline.redaction.lifecycle import apply_retention
from tests.console.seed import Seeded, login

_CALL_LINK = re.compile(r'<a href="/calls/\d+">([^<]+)</a>')


def _listed(client: TestClient, query: str = "") -> list[str]:
    response = client.get(f"/calls?{query}")
    assert response.status_code == 200
    return sorted(_CALL_LINK.findall(response.text))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["call-001", "call-002", "call-003", "call-004", "call-005"]),
        ("agent=B07", ["call-003", "call-004"]),
        ("rule=recording-notice", ["call-001", "call-002", "call-005"]),
        ("severity=critical", ["call-001"]),
        ("severity=medium", ["call-001", "call-002", "call-003", "call-005"]),
        ("language=en", ["call-003"]),
        ("date_from=2024-05-02&date_until=2024-05-02", ["call-002", "call-003"]),
        ("date_from=2024-05-03", ["call-004", "call-005"]),
        ("review=open", ["call-001", "call-002", "call-003", "call-005"]),
        ("review=reviewed", []),
        (
            "date_from=not-a-date&severity=bogus",
            ["call-001", "call-002", "call-003", "call-004", "call-005"],
        ),
    ],
)
def test_call_list_filters(client: TestClient, query: str, expected: list[str]) -> None:
    login(client, "rita")
    assert _listed(client, query) == expected


def test_review_status_filter_follows_verdicts(client: TestClient, seeded: Seeded) -> None:
    token = login(client, "rita")
    detail = seeded.store.calls.get(seeded.call_pks["call-002"])
    assert detail is not None
    client.post(
        f"/findings/{detail.violations[0].pk}/verdict", data={"verdict": "confirm", "csrf": token}
    )
    assert "call-002" in _listed(client, "review=reviewed")
    assert "call-002" not in _listed(client, "review=open")
    client.post(
        f"/findings/{detail.violations[0].pk}/appeal",
        data={"reason": "agent says so", "csrf": token},
    )
    assert _listed(client, "review=appealed") == ["call-002"]
    states = re.findall(r'class="review-state">([^<]*)<', client.get("/calls?agent=A01").text)
    assert states == ["appealed", "0 of 2 reviewed"]  # call-002, then call-001


def test_paging(client: TestClient, seeded: Seeded, monkeypatch: pytest.MonkeyPatch) -> None:
    from pipeline.console.routes import calls

    monkeypatch.setattr(calls, "PAGE_SIZE", 2)
    login(client, "rita")
    pages = [_listed(client, f"page={n}") for n in (1, 2, 3)]
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(c for p in pages for c in p) == [f"call-00{i}" for i in range(1, 6)]
    assert "Page 3 of 3" in client.get("/calls?page=99").text  # clamped to the last


def test_call_page_shows_the_masked_timeline_and_records_the_opening(
    client: TestClient, seeded: Seeded
) -> None:
    login(client, "aude")
    pk = seeded.call_pks["call-001"]
    page = client.get(f"/calls/{pk}").text
    assert page.count('class="turn ') == 4
    assert 'class="turn customer"' in page and 'data-start="10.000"' in page
    assert "622202******1234" in page and "&lt;PASSWORD&gt;" in page
    assert "no-sensitive-auth-request" in page and "BANK_CARD" in page
    assert f'src="/calls/{pk}/audio/redacted.wav"' in page
    opened = seeded.store.audit.entries(action="call.opened")
    assert [(e.actor, e.subject) for e in opened] == [("aude", "call:call-001")]
    assert opened[0].details == {"call_pk": pk, "role": "auditor"}
    assert "Confirm" not in page  # an auditor changes nothing


def test_redacted_recording_is_served_in_ranges(client: TestClient, seeded: Seeded) -> None:
    login(client, "rita")
    pk = seeded.call_pks["call-001"]
    whole = client.get(f"/calls/{pk}/audio/redacted.wav")
    assert whole.status_code == 200 and whole.headers["content-type"] == "audio/wav"
    part = client.get(f"/calls/{pk}/audio/redacted.wav", headers={"Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.content == whole.content[1000:2000]


def test_a_transcript_deleted_by_retention_is_named_with_its_day(
    client: TestClient, seeded: Seeded
) -> None:
    settings = seeded.settings.model_copy(update={"retention_transcripts_days": 1})
    later = datetime.now(UTC) + timedelta(days=2)
    deleted = apply_retention(seeded.store, settings, now=later)
    assert "call-001" in [d.call_id for d in deleted]
    day = seeded.store.retention.transcripts_deleted_at("call-001")
    assert day is not None
    login(client, "rita")
    page = client.get(f"/calls/{seeded.call_pks['call-001']}").text
    assert f"Masked transcript deleted by retention on {day.date().isoformat()} (UTC)." in page
    assert "No masked transcript found" not in page and 'class="turn ' not in page
