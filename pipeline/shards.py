"""Shards of a batch: K runs over one folder, each checking its own part of the recordings.

A recording belongs to exactly one of ``shards`` shards, chosen by a hash of its file name, so
the shard runs of a batch split the folder between them without talking to one another (the
database claims still guard against two checks of one recording). The file name, not the whole
path: hosts may mount the recordings at different places. A hash, not a position in the
listing: a recording that arrives while the shard runs start does not move the others.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

WHOLE_BATCH = 1  # shards=1: one run checks every recording


def shard_of(path: str, shards: int) -> int:
    """The shard (0 to ``shards`` - 1) of the recording at ``path``: the SHA-256 of its file
    name, modulo ``shards``."""
    if shards < WHOLE_BATCH:
        raise ValueError(f"shards must be 1 or more (got {shards})")
    digest = hashlib.sha256(Path(path).name.encode("utf-8")).digest()
    return int.from_bytes(digest, "big") % shards


def check_shard(shard: int, shards: int) -> None:
    """ValueError unless ``shards`` >= 1 and ``shard`` is between 0 and ``shards`` - 1."""
    if shards < WHOLE_BATCH:
        raise ValueError(f"shards must be 1 or more (got {shards})")
    if not 0 <= shard < shards:
        raise ValueError(f"shard must be between 0 and {shards - 1} (got {shard})")


def in_shard(paths: Sequence[str], shard: int, shards: int) -> list[str]:
    """The recordings of shard ``shard`` of ``shards``, in their order (all of them when
    ``shards`` is 1); ValueError for a shard outside 0 to ``shards`` - 1."""
    check_shard(shard, shards)
    return [path for path in paths if shard_of(path, shards) == shard]
