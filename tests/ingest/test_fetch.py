"""The fetcher keeps connections between requests, and never sends one over a connection the
server has closed meanwhile (it notices the close and connects again); it follows redirects
itself, sends who it is, takes no proxy from the environment, checks certificates, and refuses
what it must."""

from __future__ import annotations

import asyncio
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.ingest.fetch import USER_AGENT, Fetcher, FetchError
from tests.fakes.feeds import FakeFeedServer, Handler, Reply, Request

_REPLY = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


class _Listener:
    """Accept connections (on 127.0.0.1 unless told) in a thread, each handed to ``answer``."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._listener = socket.create_server((host, port))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.answer(conn)

    def answer(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._listener.close()


class ClosingServer(_Listener):
    """Answer one request per connection as if keeping it, then close it without a word.

    No "Connection: close" is sent, so the client keeps the connection for its next request;
    only the socket's end tells it the server is gone.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.connections = 0
        self.answered = 0
        super().__init__(host, port)

    def answer(self, conn: socket.socket) -> None:
        self.connections += 1
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(4096)
                if not chunk:
                    break
                request += chunk
            if request:
                # Counted before the reply leaves: the client may check the count as soon
                # as the reply reaches it.
                self.answered += 1
                conn.sendall(_REPLY)


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


async def test_each_new_connection_asks_the_resolver_again(closing_server: ClosingServer) -> None:
    # The same port on a second loopback address: the name moves there after the first answer.
    try:
        moved = ClosingServer("127.0.0.2", closing_server.port)
    except OSError:
        pytest.skip("127.0.0.2 or the port is not free here")
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])
    asked: list[str] = []

    def dns(host: str, port: int) -> list[str]:
        asked.append(host)
        return next(answers)

    fetcher = Fetcher(max_bytes=100_000, allow_private=True, timeout=2.0, resolver=dns)
    url = f"http://moving.example.test:{closing_server.port}/page"
    try:
        await fetcher.get(url)
        await asyncio.sleep(0.05)  # the first server's close reaches the kept connection
        await fetcher.get(url)
    finally:
        await fetcher.close()
        moved.close()
    # No cached answer: the second connection went where the resolver said this time.
    assert asked == ["moving.example.test"] * 2
    assert closing_server.answered == 1 and moved.answered == 1


async def test_redirects_are_followed_hop_by_hop_up_to_the_bound(server: FakeFeedServer) -> None:
    def hop(to: str) -> Handler:
        return lambda _r: Reply(302, headers={"Location": to})

    for n in range(4):
        server.route(f"/r{n}", hop(f"/r{n + 1}"))
    server.static("/r4", b"<rss/>", "application/rss+xml")
    fetcher = Fetcher(max_bytes=100_000, allow_private=True, max_redirects=4)
    strict = Fetcher(max_bytes=100_000, allow_private=True, max_redirects=3)
    try:
        result = await fetcher.get(server.url("/r0"))
        with pytest.raises(FetchError, match="more than 3 redirects"):
            await strict.get(server.url("/r0"))
    finally:
        await fetcher.close()
        await strict.close()
    assert result.url == server.url("/r4") and result.content == b"<rss/>"
    assert result.content_type == "application/rss+xml"


async def test_it_says_who_it_is_and_asks_conditionally(server: FakeFeedServer) -> None:
    seen: list[Request] = []

    def record(request: Request) -> Reply:
        seen.append(request)
        return Reply(304, headers={"ETag": '"v2"'})

    url = server.route("/feed", record)
    fetcher = Fetcher(max_bytes=100_000, allow_private=True)
    try:
        result = await fetcher.get(url, etag='"v1"', last_modified="Thu, 08 Jan 2026 09:00:00 GMT")
    finally:
        await fetcher.close()
    assert result.not_modified and result.etag == '"v2"' and result.content == b""
    headers = seen[0].headers
    assert headers["user-agent"] == USER_AGENT
    assert headers["accept-encoding"] == "gzip, deflate"
    assert headers["if-none-match"] == '"v1"'
    assert headers["if-modified-since"] == "Thu, 08 Jan 2026 09:00:00 GMT"


async def test_no_proxy_is_taken_from_the_environment(
    server: FakeFeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as dead:  # a port nothing listens on
        dead.bind(("127.0.0.1", 0))
        proxy = f"http://127.0.0.1:{dead.getsockname()[1]}"
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    url = server.static("/feed", b"<rss/>", "application/rss+xml")
    fetcher = Fetcher(max_bytes=100_000, allow_private=True)
    try:
        assert (await fetcher.get(url)).content == b"<rss/>"
    finally:
        await fetcher.close()


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("ftp://127.0.0.1/feed", "only http"),
        ("file:///etc/hostname", "only http"),
        ("http://127.0.0.1:{port}/feed", "private, loopback or reserved"),
        ("http://[::1]:{port}/feed", "private, loopback or reserved"),
        # Literals connect without the resolver, so each form is checked before connecting.
        ("http://[::ffff:127.0.0.1]:{port}/feed", "private, loopback or reserved"),
        ("http://127.1:{port}/feed", "no valid address"),
        ("http://2130706433:{port}/feed", "no valid address"),
    ],
)
async def test_what_it_may_not_fetch_is_refused_before_connecting(
    server: FakeFeedServer, url: str, why: str
) -> None:
    server.static("/feed", b"<rss/>", "application/rss+xml")
    fetcher = Fetcher(max_bytes=100_000, allow_private=False)
    try:
        with pytest.raises(FetchError, match=why):
            await fetcher.get(url.format(port=server.port))
    finally:
        await fetcher.close()
    assert server.hits["/feed"] == 0 and server.connections == 0


async def test_a_refused_connection_says_so(server: FakeFeedServer) -> None:
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        port = dead.getsockname()[1]
    fetcher = Fetcher(max_bytes=100_000, allow_private=True)
    try:
        with pytest.raises(FetchError, match=f"cannot connect to 127.0.0.1:{port}"):
            await fetcher.get(f"http://127.0.0.1:{port}/feed")
    finally:
        await fetcher.close()


class TlsServer(_Listener):
    """Accept TLS connections with a self-signed certificate for ``feed.example.test``."""

    def __init__(self, folder: Path) -> None:
        key, cert = folder / "key.pem", folder / "cert.pem"
        name = "feed.example.test"
        command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        command += ["-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}"]
        subprocess.run(
            [*command, "-keyout", str(key), "-out", str(cert)],
            check=True,
            capture_output=True,
        )
        self._tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._tls.load_cert_chain(cert, key)
        self.handshakes = 0
        super().__init__()

    def answer(self, conn: socket.socket) -> None:
        try:
            with self._tls.wrap_socket(conn, server_side=True) as tls:
                self.handshakes += 1
                tls.recv(4096)
                tls.sendall(_REPLY)
        except OSError:
            conn.close()  # the client refused our certificate


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_a_certificate_no_authority_vouches_for_is_refused(tmp_path: Path) -> None:
    server = TlsServer(tmp_path)
    fetcher = Fetcher(
        max_bytes=100_000, allow_private=True, resolver=lambda host, port: ["127.0.0.1"]
    )
    try:
        with pytest.raises(FetchError, match="certificate verify failed"):
            await fetcher.get(f"https://feed.example.test:{server.port}/feed")
    finally:
        await fetcher.close()
        server.close()
    assert server.handshakes == 0
