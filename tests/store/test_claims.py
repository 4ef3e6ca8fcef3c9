"""Claims: one holder per recording, renewal, release, takeover of dead or expired claims."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta

from pipeline.store import ClaimOwner, Store
from pipeline.store.claims import ClaimRepository
from pipeline.store.database import Database

REC = "a" * 64


def _dead_pid() -> int:
    """The id of a process that has just ended."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_live_holder_keeps_its_claim_and_renews_it(store: Store) -> None:
    me = ClaimOwner.this_process("run-1")
    other = ClaimOwner(socket.gethostname(), os.getppid(), "run-2")  # alive: our parent
    first = store.claims.claim(REC, me)
    assert first is not None and first.owner == me
    assert first.expires_at - first.claimed_at == timedelta(hours=1)
    assert store.claims.claim(REC, other) is None
    renewed = store.claims.claim(REC, me, ttl_s=60)
    assert renewed is not None and renewed.expires_at < first.expires_at
    assert [c.owner for c in store.claims.held()] == [me]
    assert not store.claims.release(REC, other)
    assert store.claims.release(REC, me)
    assert store.claims.held() == []
    assert store.claims.claim(REC, other) is not None


def test_claim_of_a_dead_process_on_this_host_is_taken_over_and_audited(store: Store) -> None:
    dead = ClaimOwner(socket.gethostname(), _dead_pid(), "run-1")
    assert store.claims.claim(REC, dead) is not None
    me = ClaimOwner.this_process("run-2")
    taken = store.claims.claim(REC, me)
    assert taken is not None and taken.owner == me
    (entry,) = store.audit.entries(action="claim.taken_over")
    assert entry.subject == f"recording:{REC}"
    assert entry.details["reason"] == "its process is gone"
    assert entry.details["from"] == str(dead) and entry.details["to"] == str(me)
    assert store.audit.verify().ok


def test_claim_of_another_host_waits_for_its_expiry(store: Store) -> None:
    remote = ClaimOwner("worker-7.bank.example", 4242, "run-1")  # its pid means nothing here
    me = ClaimOwner.this_process("run-2")
    assert store.claims.claim(REC, remote, ttl_s=3600) is not None
    assert store.claims.claim(REC, me) is None
    assert store.claims.claim(REC, remote, ttl_s=-1) is not None  # renewed into the past
    taken = store.claims.claim(REC, me)
    assert taken is not None and taken.owner == me
    (entry,) = store.audit.entries(action="claim.taken_over")
    assert entry.details["reason"] == "expired"


def test_concurrent_claimers_get_one_claim_between_them(store: Store) -> None:
    # Separate repositories (own write locks) as separate worker processes would have.
    winners: list[ClaimOwner] = []
    barrier = threading.Barrier(4)

    def contend(n: int) -> None:
        repo = ClaimRepository(Database(store.engine), is_alive=lambda pid: True)
        owner = ClaimOwner("host-x", 1000 + n, "run-1")
        barrier.wait()
        if repo.claim(REC, owner) is not None:
            winners.append(owner)

    threads = [threading.Thread(target=contend, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(winners) == 1
    assert [c.owner for c in store.claims.held()] == winners
