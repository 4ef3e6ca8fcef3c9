"""Benchmark the review console's call list over 100,000 calls; prints figures.

A SQLite database at the newest schema gets N_CALLS calls (40 agents, 90 days, zh/en, about a
third with one to three violations of seven rules and four severities) inserted in bulk with
SQL: the rows ``calls.save`` writes, without the audit entries and alerts, which the list never
reads. Then the console's list page (count + one page of 50, through the real FastAPI app and a
logged-in session) is timed for the first, a middle and the last page, without a filter and
with each filter. The median of RUNS runs is reported; the target is TARGET_MS per page.

Run: .venv/bin/python bench/bench_console.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi.testclient import TestClient
from sqlalchemy import insert

from pipeline.config import Settings
from pipeline.console import create_app
from pipeline.store import Role, Store
from pipeline.store.schema import calls, violations

N_CALLS = 100_000
BATCH_ROWS = 5_000
RUNS = 5
TARGET_MS = 200.0  # per list page, count included
RULES = (
    "recording-notice",
    "agent-identification",
    "identity-verification",
    "wealth-risk-disclosure",
    "no-guaranteed-returns",
    "no-sensitive-auth-request",
    "agent-pii-readout",
)
SEVERITIES = ("low", "medium", "high", "critical")
START = datetime(2024, 3, 1, tzinfo=UTC)


def fill(store: Store, rng: random.Random) -> int:
    """Insert the calls and their violations; returns the number of violations."""
    n_violations = 0
    with store.engine.begin() as conn:
        for first in range(0, N_CALLS, BATCH_ROWS):
            call_rows, violation_rows = [], []
            for i in range(first, first + BATCH_ROWS):
                hits = rng.choice((0, 0, 1, 1, 2, 3)) if rng.random() < 0.5 else 0
                at = START + timedelta(seconds=rng.randrange(90 * 86400))
                call_rows.append(
                    {
                        "id": i + 1,
                        "recording_id": f"{i:064x}",
                        "asr_backend": "openai-whisper",
                        "model": "base",
                        "rules_version": "bench",
                        "pii_version": "bench",
                        "call_id": f"call-{i:06d}",
                        "agent_id": f"A{rng.randrange(40):02d}",
                        "call_time": at,
                        "language": rng.choice(("zh", "zh", "zh", "en")),
                        "duration": rng.uniform(30, 900),
                        "score": 100.0 - 20 * hits,
                        "status": "done",
                        "violation_count": hits,
                        "pii_exposure_count": rng.choice((0, 0, 0, 1)),
                        "processed_at": at + timedelta(hours=6),
                        "run_id": f"run-{(at - START).days}",
                    }
                )
                for _ in range(hits):
                    violation_rows.append(
                        {
                            "call_pk": i + 1,
                            "rule_id": rng.choice(RULES),
                            "severity": rng.choice(SEVERITIES),
                            "start_s": rng.uniform(0, 30),
                            "end_s": 33.0,
                            "speaker": "agent",
                            "message": "bench",
                            "evidence": "",
                            "weight": 20.0,
                        }
                    )
            conn.execute(insert(calls), call_rows)
            if violation_rows:
                conn.execute(insert(violations), violation_rows)
            n_violations += len(violation_rows)
    return n_violations


def main() -> int:
    rng = random.Random(7)
    folder = Path(tempfile.mkdtemp(prefix="bench-console-"))
    store = Store(f"sqlite:///{folder / 'callsentry.db'}")
    t0 = time.perf_counter()
    n_violations = fill(store, rng)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("ANALYZE")
    print(
        f"filled {N_CALLS:,} calls, {n_violations:,} violations in {time.perf_counter() - t0:.1f} s"
    )
    store.users.add("bench", Role.REVIEWER, "bench-password", actor="bench")
    settings = Settings(console_secret="bench", out_dir=folder, _env_file=None)
    client = TestClient(create_app(store, settings), follow_redirects=False)
    page = client.get("/login").text
    token = page.split('name="csrf" value="')[1].split('"')[0]
    client.post("/login", data={"name": "bench", "password": "bench-password", "csrf": token})
    pages = N_CALLS // 50
    cases = [
        ("no filter, page 1", ""),
        (f"no filter, page {pages // 2}", f"page={pages // 2}"),
        (f"no filter, page {pages} (last)", f"page={pages}"),
        ("agent", "agent=A07"),
        ("agent, last page", "agent=A07&page=999999"),
        ("rule", "rule=no-sensitive-auth-request"),
        ("severity >= critical", "severity=critical"),
        ("language en", "language=en"),
        ("one week", "date_from=2024-04-01&date_until=2024-04-07"),
        ("review open", "review=open"),
        (
            "all filters",
            "agent=A07&rule=recording-notice&severity=high&language=zh&date_from=2024-03-10&date_until=2024-05-10&review=open",
        ),
    ]
    worst = 0.0
    print(f"{'list page':<34} {'median ms':>10} {'fastest ms':>11} {'matches':>8}")
    for label, query in cases:
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            response = client.get(f"/calls?{query}")
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        found = response.text.split("<small>")[1].split(" found")[0]
        median = statistics.median(times)
        worst = max(worst, median)
        print(f"{label:<34} {median:>10.1f} {min(times):>11.1f} {found:>8}")
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(
        f"slowest median {worst:.0f} ms per page (target {TARGET_MS:.0f} ms): "
        f"{'OK' if worst <= TARGET_MS else 'SLOW'}"
    )
    store.close()
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
