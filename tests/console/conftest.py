"""Fixtures for the console tests (the data is made in :mod:`tests.console.seed`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pipeline.console import create_app
from tests.console.seed import Seeded, seed_store


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
