"""The fetcher keeps connections between requests, and never sends one over a connection the
server has closed meanwhile (it notices the close and connects again)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator

import pytest

from bot.ingest.fetch import Fetcher

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
