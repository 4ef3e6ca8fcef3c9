"""Shards of a batch: every recording in exactly one shard, by its file name."""

from __future__ import annotations

import pytest

from pipeline.shards import in_shard, shard_of

PATHS = [f"/data/calls/2026-12-01/call-{i:04d}.wav" for i in range(200)]


@pytest.mark.parametrize("shards", [1, 2, 3, 7])
def test_every_recording_is_in_exactly_one_shard(shards: int) -> None:
    parts = [in_shard(PATHS, shard, shards) for shard in range(shards)]
    assert sorted(p for part in parts for p in part) == sorted(PATHS)
    assert sum(len(part) for part in parts) == len(PATHS)


def test_shards_keep_the_order_and_share_the_work() -> None:
    first, second = in_shard(PATHS, 0, 2), in_shard(PATHS, 1, 2)
    assert first == [p for p in PATHS if p in first]  # the batch's order (CDR order) is kept
    assert 70 <= len(first) <= 130 and 70 <= len(second) <= 130


def test_the_shard_depends_on_the_file_name_only() -> None:
    # two hosts mounting the recordings at different places agree on every shard
    for name in ("a.wav", "call-0001.mp3", "录音.flac"):
        assert shard_of(f"/mnt/nfs/{name}", 5) == shard_of(f"/data/{name}", 5)


def test_one_shard_is_the_whole_batch() -> None:
    assert in_shard(PATHS, 0, 1) == PATHS


@pytest.mark.parametrize(("shard", "shards"), [(2, 2), (-1, 2), (0, 0)])
def test_a_shard_outside_the_range_is_refused(shard: int, shards: int) -> None:
    with pytest.raises(ValueError):
        in_shard(PATHS, shard, shards)
