"""The dashboard's sessions: each with its own CSRF token, at most a bounded number of them."""

from __future__ import annotations

from trading_agents.api.session import SessionStore


def test_each_session_has_its_own_csrf_token_until_it_is_closed() -> None:
    store = SessionStore()
    first, first_csrf = store.open()
    second, second_csrf = store.open()

    assert first_csrf != second_csrf
    assert store.csrf_of(first) == first_csrf
    store.close(first)
    assert store.csrf_of(first) is None
    assert store.csrf_of(second) == second_csrf
    assert store.csrf_of(None) is None


def test_past_the_cap_signing_in_ends_the_oldest_session() -> None:
    store = SessionStore(most=2)
    oldest, _ = store.open()
    middle, _ = store.open()
    newest, _ = store.open()

    assert store.csrf_of(oldest) is None
    assert store.csrf_of(middle) is not None
    assert store.csrf_of(newest) is not None


def test_an_expired_session_lets_nothing_through() -> None:
    store = SessionStore(hours=0)
    token, _ = store.open()

    assert store.csrf_of(token) is None
