"""Console users: argon2 hashes, authentication, login attempts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pipeline.store import Role, Store
from pipeline.store.schema import users, utc_now
from pipeline.store.users import UserExistsError


def test_password_is_stored_as_an_argon2_hash_and_checked(store: Store) -> None:
    store.users.add("rita", Role.REVIEWER, "correct horse", actor="admin")
    with store.engine.connect() as conn:
        stored = conn.execute(select(users.c.password_hash)).scalar()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert store.users.authenticate("rita", "correct horse") is not None
    assert store.users.authenticate("rita", "wrong horse!") is None
    assert store.users.authenticate("nobody", "correct horse") is None
    with pytest.raises(UserExistsError):
        store.users.add("rita", Role.ADMIN, "another one", actor="admin")
    with pytest.raises(ValueError, match="shorter"):
        store.users.add("sam", Role.SUPERVISOR, "short", actor="admin")
    with pytest.raises(ValueError, match="invalid user name"):
        store.users.add("../x", Role.SUPERVISOR, "long enough", actor="admin")
    store.users.set_disabled("rita", True, actor="admin")
    assert store.users.authenticate("rita", "correct horse") is None
    assert [e.action for e in store.audit.entries()][-2:] == ["user.added", "user.disabled"]


def test_failed_logins_are_counted_per_name_and_client(store: Store) -> None:
    since = utc_now() - timedelta(minutes=5)
    for _ in range(3):
        store.users.record_login("rita", "10.0.0.1", False)
    store.users.record_login("sam", "10.0.0.2", False)
    store.users.record_login("rita", "10.0.0.3", True)
    assert store.users.recent_failures(name="rita", client="10.0.0.9", since=since) == 3
    assert store.users.recent_failures(name="other", client="10.0.0.1", since=since) == 3
    assert store.users.recent_failures(name="sam", client="10.0.0.2", since=since) == 1
    later = utc_now() + timedelta(seconds=1)
    assert store.users.recent_failures(name="rita", client="10.0.0.1", since=later) == 0
