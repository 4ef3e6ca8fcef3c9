"""Storage: idempotent saves, alert queue states, run history, and the audit hash chain."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from pipeline.anomaly import RunStats
from pipeline.audit_command import EXIT_NO_DATABASE, EXIT_OK, EXIT_TAMPERED
from pipeline.cli import main as cli_main
from pipeline.models import Alert, PiiFinding, Quarantined
from pipeline.store import Store
from tests.report_factory import MODEL, RULES_VERSION, make_recording, make_report, make_violation


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "out" / "callsentry.db"


@pytest.fixture
def store(db_path: Path) -> Store:
    s = Store(f"sqlite:///{db_path}")
    yield s
    s.close()


def _alert(key: str, severity: str = "high") -> Alert:
    return Alert(alert_key=key, kind="violation", severity=severity, message="m", call_id="c1")


def _save(store: Store, call_id: str, run_id: str = "run-1", **kwargs) -> int:
    report = make_report(call_id, **kwargs)
    return store.save_call(
        report,
        make_recording(call_id),
        model=MODEL,
        transcript_path=f"/o/{call_id}.json",
        run_id=run_id,
    )


def test_sqlite_pragmas_wal_and_foreign_keys(store: Store, db_path: Path) -> None:
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert db_path.exists()


def test_save_call_stores_everything_once(store: Store) -> None:
    pii = (PiiFinding("BANK_CARD", 1, 5, 21, 0.95, "customer", 5.2, 8.1, "BankCardRecognizer"),)
    report = make_report("c1", violations=(make_violation(),), pii=pii)
    recording = make_recording("c1")
    assert not store.is_processed(recording.recording_id, MODEL, RULES_VERSION)
    first = store.save_call(report, recording, model=MODEL, transcript_path="t.json", run_id="r")
    second = store.save_call(report, recording, model=MODEL, transcript_path="t.json", run_id="r")
    assert first == second
    assert store.is_processed(recording.recording_id, MODEL, RULES_VERSION)
    assert not store.is_processed(recording.recording_id, "small", RULES_VERSION)
    row = store.call(first)
    assert row["status"] == "done" and row["agent_id"] == "A01" and row["direction"] == "inbound"
    assert row["violation_count"] == 1 and row["transcript_path"] == "t.json"
    assert [v["rule_id"] for v in row["violations"]] == ["no-sensitive-auth-request"]
    assert row["violations"][0]["evidence"] == "请告诉我您的密码 <PASSWORD>"
    assert [(p["entity_type"], p["start_offset"], p["end_offset"]) for p in row["pii"]] == [
        ("BANK_CARD", 5, 21)
    ]
    with store.engine.connect() as conn:
        counts = [
            conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
            for t in ("calls", "violations", "pii_findings")
        ]
    assert counts == [1, 1, 1]
    actions = [e["action"] for e in store.audit_entries()]
    assert actions.count("call.stored") == 1


def test_other_model_or_rules_version_is_a_new_row(store: Store) -> None:
    report = make_report("c1")
    rec = make_recording("c1")
    a = store.save_call(report, rec, model="base", transcript_path=None, run_id="r")
    b = store.save_call(report, rec, model="small", transcript_path=None, run_id="r")
    assert a != b


def test_alerts_are_queued_with_the_call_once(store: Store) -> None:
    report = make_report("c1", violations=(make_violation(),))
    kwargs = {"model": MODEL, "transcript_path": None, "run_id": "r"}
    store.save_call(report, make_recording("c1"), alerts=[_alert("k1")], **kwargs)
    store.save_call(report, make_recording("c1"), alerts=[_alert("k1")], **kwargs)
    assert [a.alert_key for a in store.pending_alerts()] == ["k1"]
    assert store.alert_state("k1")["run_id"] == "r"


def test_empty_call_status(store: Store) -> None:
    pk = _save(store, "silent", segments=())
    assert store.call(pk)["status"] == "empty"


def test_concurrent_saves_of_the_same_call_store_one_row(db_path: Path) -> None:
    stores = [Store(f"sqlite:///{db_path}") for _ in range(2)]  # two "processes"
    ids: list[int] = []

    def work(s: Store) -> None:
        ids.append(_save(s, "c1"))

    threads = [threading.Thread(target=work, args=(s,)) for s in stores for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1
    assert stores[0].verify_audit().ok
    with stores[0].engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM calls").scalar() == 1


def test_quarantine_is_recorded_once_per_run(store: Store) -> None:
    q = Quarantined(Path("/rec/bad.wav"), "bad.wav: not an audio file", None, "ingest")
    store.save_quarantined(q, "run-1")
    store.save_quarantined(q, "run-1")
    store.save_quarantined(q, "run-2")
    assert len(store.quarantined_files("run-1")) == 1
    assert len(store.quarantined_files()) == 2


def test_alert_queue_states(store: Store) -> None:
    added = store.enqueue_alerts([_alert("k1"), _alert("k2"), _alert("k1")], run_id="r1")
    assert [a.alert_key for a in added] == ["k1", "k2"]
    assert store.enqueue_alerts([_alert("k1")]) == []  # a rerun queues nothing new
    store.mark_alert_failed("k1", "SMTPServerDisconnected")
    assert {a.alert_key for a in store.pending_alerts()} == {"k1", "k2"}
    state = store.alert_state("k1")
    assert (state["state"], state["attempts"], state["last_error"]) == (
        "pending",
        1,
        "SMTPServerDisconnected",
    )
    store.mark_alert_sent("k1")
    store.mark_alert_sent("k1")
    store.mark_alert_failed("k1", "late failure")  # a sent alert stays sent
    assert store.alert_state("k1")["state"] == "sent"
    store.mark_alert_failed("k2", "blocked: unmasked PII", permanent=True)
    assert store.alert_state("k2")["state"] == "failed"
    assert store.pending_alerts() == []
    assert store.pending_alerts() == []
    store.mark_alert_delivered("k1", "smtp")
    store.mark_alert_delivered("k1", "smtp")
    assert store.delivered_sinks("k1") == {"smtp"}


def test_pending_alert_round_trips(store: Store) -> None:
    alert = Alert("k", "violation", "critical", "msg", "c1", "A01", "rule", 75.5, "<PIN>")
    store.enqueue_alerts([alert])
    assert store.pending_alerts() == [alert]


def test_runs_and_history(store: Store) -> None:
    for run, hits in (("r1", 1), ("r2", 0), ("r3", 2)):
        store.start_run(run)
        store.start_run(run)
        for i in range(4):
            vios = (make_violation(),) if i < hits else ()
            _save(store, f"{run}-c{i}", run_id=run, violations=vios)
        store.finish_run(run, {"calls": 4})
    assert store.run("r1")["status"] == "completed"
    assert store.run("r1")["counts"] == {"calls": 4}
    history = store.history(exclude_run_id="r3")
    assert sorted(history, key=lambda r: r.run_id) == [
        RunStats("r1", 4, 1),
        RunStats("r2", 4, 0),
    ]
    stats = store.batch_stats(run_id="r3")
    assert [s.violations for s in stats] == [1, 1, 0, 0]
    assert all(s.agent_id == "A01" for s in stats)


def test_audit_chain_verifies(store: Store) -> None:
    _save(store, "c1")
    store.audit("alice", "review", "call:c1", {"note": "checked"})
    check = store.verify_audit()
    assert check.ok and check.first_bad_seq is None and check.entries == 2


@pytest.mark.parametrize(
    ("tamper_sql", "bad_seq"),
    [
        ('UPDATE audit_log SET details = \'{"note":"nothing"}\' WHERE seq = 2', 2),
        ("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1", 1),
        ("DELETE FROM audit_log WHERE seq = 2", 3),
        ("UPDATE audit_log SET hash = 'ff' WHERE seq = 3", 3),
    ],
)
def test_audit_tampering_is_detected(
    store: Store, db_path: Path, tamper_sql: str, bad_seq: int, capsys: pytest.CaptureFixture
) -> None:
    for i in range(4):
        store.audit("alice", "review", f"call:c{i}", {"note": f"checked {i}"})
    store.close()
    with sqlite3.connect(db_path) as raw:
        raw.execute(tamper_sql)
    check = Store(f"sqlite:///{db_path}").verify_audit()
    assert not check.ok and check.first_bad_seq == bad_seq
    assert cli_main(["audit", "verify", "--db", f"sqlite:///{db_path}"]) == EXIT_TAMPERED
    assert f"seq={bad_seq}" in capsys.readouterr().out


def test_audit_verify_command_ok_and_missing(
    store: Store, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    _save(store, "c1")
    assert cli_main(["audit", "verify", "--db", f"sqlite:///{db_path}"]) == EXIT_OK
    assert capsys.readouterr().out.startswith("OK")
    missing = tmp_path / "none.db"
    assert cli_main(["audit", "verify", "--db", f"sqlite:///{missing}"]) == EXIT_NO_DATABASE
    assert not missing.exists()
