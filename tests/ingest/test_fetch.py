"""The fetcher keeps connections between requests, and never sends one over a connection the
server has closed meanwhile (it notices the close and connects again)."""

from __future__ import annotations

import asyncio
import random
import socket
import threading
from collections.abc import Iterator

import httpcore
import pytest

from bot.ingest.fetch import Fetcher, KeptPool

_REPLY = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


class ClosingServer:
    """Answer one request per connection as if keeping it, then close it without a word.

    No "Connection: close" is sent, so the client keeps the connection for its next request;
    only the socket's end tells it the server is gone.
    """

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.connections = 0
        self.answered = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                request = b""
                while b"\r\n\r\n" not in request:
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    request += chunk
                if request:
                    conn.sendall(_REPLY)
                    self.answered += 1

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def closing_server() -> Iterator[ClosingServer]:
    server = ClosingServer()
    yield server
    server.close()


async def test_a_connection_the_server_closed_is_not_used_again(
    closing_server: ClosingServer,
) -> None:
    fetcher = Fetcher(max_bytes=100_000, allow_private=True, timeout=2.0)
    url = f"http://127.0.0.1:{closing_server.port}/page"
    try:
        for _ in range(3):
            result = await fetcher.get(url)
            assert result.content == b"ok"
            await asyncio.sleep(0.05)  # the server's close reaches the kept connection
    finally:
        await fetcher.close()
    assert closing_server.answered == 3 and closing_server.connections == 3


class _Connection(httpcore.AsyncConnectionInterface):
    """A kept connection in a given state, counting how often the pool asks whether it is idle."""

    def __init__(self, name: str, origin: httpcore.Origin, state: str) -> None:
        self.name, self._origin, self.state = name, origin, state
        self.idle_questions = 0

    def can_handle_request(self, origin: httpcore.Origin) -> bool:
        return origin == self._origin

    def is_available(self) -> bool:
        return self.state == "idle"

    def has_expired(self) -> bool:
        return self.state == "expired"

    def is_idle(self) -> bool:
        self.idle_questions += 1
        return self.state in ("idle", "other-idle")

    def is_closed(self) -> bool:
        return self.state == "closed"

    async def aclose(self) -> None:
        self.state = "closed"


_ORIGIN = httpcore.Request("GET", "http://127.0.0.1:1/").url.origin
_STATES = ("idle", "busy", "expired", "closed", "other-idle")


def _sorted_pool(
    pool_class: type[httpcore.AsyncConnectionPool],
    states: list[str],
    requests: int,
    *,
    max_connections: int,
    max_keepalive_connections: int,
) -> tuple[httpcore.AsyncConnectionPool, list[str], list[str]]:
    """Sort a pool of connections in ``states`` with ``requests`` queued; return what it did."""
    pool = pool_class(
        max_connections=max_connections, max_keepalive_connections=max_keepalive_connections
    )
    other = httpcore.Request("GET", "http://127.0.0.2:1/").url.origin
    pool._connections = [
        _Connection(f"c{i}", other if state == "other-idle" else _ORIGIN, state)
        for i, state in enumerate(states)
    ]
    queued = [
        httpcore._async.connection_pool.AsyncPoolRequest(
            httpcore.Request("GET", "http://127.0.0.1:1/")
        )
        for _ in range(requests)
    ]
    pool._requests = list(queued)
    closing = [c.name for c in pool._assign_requests_to_connections()]  # type: ignore[attr-defined]
    given = [getattr(r.connection, "name", "new") if r.connection else "-" for r in queued]
    return pool, closing, given


async def test_the_pool_decides_as_httpcores_own_does() -> None:
    rng = random.Random(5)
    for _ in range(300):
        states = [rng.choice(_STATES) for _ in range(rng.randint(0, 12))]
        requests = rng.randint(0, 6)
        most, kept = rng.randint(1, 14), rng.randint(0, 12)
        limits = (most, kept)
        ours = _sorted_pool(
            KeptPool, states, requests, max_connections=most, max_keepalive_connections=kept
        )
        theirs = _sorted_pool(
            httpcore.AsyncConnectionPool,
            states,
            requests,
            max_connections=most,
            max_keepalive_connections=kept,
        )
        assert ours[1:] == theirs[1:], (states, requests, limits)
        names = [[getattr(c, "name", "new") for c in p._connections] for p in (ours[0], theirs[0])]
        assert names[0] == names[1]


async def test_sorting_the_pool_asks_each_connection_once_whether_it_is_idle() -> None:
    # 20 kept connections, all idle, one request queued: httpcore's own pass asked 420 times.
    pool, _, given = _sorted_pool(
        KeptPool, ["idle"] * 20, 1, max_connections=100, max_keepalive_connections=20
    )
    assert given == ["c0"]
    asked = sum(c.idle_questions for c in pool._connections)  # type: ignore[attr-defined]
    assert asked <= 20
