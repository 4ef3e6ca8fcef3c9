"""Fixtures for the console tests (the data is made in :mod:`tests.console.seed`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pipeline.console import create_app
from tests.console.seed import Seeded, seed_store

# argon2id with the smallest cost: the tests log in hundreds of times (the store's default cost
# is kept everywhere else; a hash records its own parameters, so both verify the same way).
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashes() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("pipeline.store.users._HASHER", FAST_HASHER)
        patch.setattr("pipeline.store.users._DUMMY_HASH", FAST_HASHER.hash("no-such-user"))
        yield


@pytest.fixture
def seeded(tmp_path: Path) -> Iterator[Seeded]:
    s = seed_store(tmp_path)
    yield s
    s.store.close()


@pytest.fixture
def app(seeded: Seeded) -> FastAPI:
    return create_app(seeded.store, seeded.settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, follow_redirects=False) as c:
        yield c
