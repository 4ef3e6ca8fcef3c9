"""Signed session cookies and CSRF tokens."""

from __future__ import annotations

import time

import pytest

from pipeline.console.sessions import SessionCodec, csrf_matches, new_session


def test_cookie_round_trip_and_tampering() -> None:
    codec = SessionCodec("secret-1", max_age_s=60)
    session = new_session("rita")
    value = codec.dumps(session)
    assert codec.loads(value) == session
    assert codec.loads(value[:-2] + "xx") is None
    assert SessionCodec("secret-2", max_age_s=60).loads(value) is None
    assert codec.loads(None) is None and codec.loads("garbage") is None


def test_expired_cookie_is_no_session(monkeypatch: pytest.MonkeyPatch) -> None:
    codec = SessionCodec("secret-1", max_age_s=10)
    value = codec.dumps(new_session("rita"))
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 11)
    assert codec.loads(value) is None


def test_csrf_tokens() -> None:
    session = new_session()
    assert csrf_matches(session, session.csrf)
    assert not csrf_matches(session, "")
    assert not csrf_matches(session, None)
    assert not csrf_matches(None, session.csrf)
    assert not csrf_matches(session, new_session().csrf)


def test_a_secret_is_required() -> None:
    with pytest.raises(ValueError, match="CALLSENTRY_CONSOLE_SECRET"):
        SessionCodec("", max_age_s=60)
