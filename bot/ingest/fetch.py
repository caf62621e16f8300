"""Fetch feeds and pages over HTTP with hard limits on time, redirects and size."""

from __future__ import annotations

import asyncio
import ipaddress
import select
import socket
import ssl
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore
import httpx

from bot import __version__
from bot.ingest.urls import check_public_addresses, resolve

USER_AGENT = f"briefbot/{__version__} (+news briefings; polite feed reader)"
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


class FetchError(Exception):
    """A fetch failed; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A fetched body (empty when not modified) with its final URL and cache validators."""

    url: str
    status: int
    content: bytes
    etag: str | None
    last_modified: str | None
    content_type: str

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class _Inflater:
    """Decompress gzip or deflate bodies without ever holding more than the size cap."""

    def __init__(self, encoding: str, max_bytes: int) -> None:
        self._max = max_bytes
        self._size = 0
        self._zlib = (
            zlib.decompressobj(zlib.MAX_WBITS | 32)
            if encoding in ("gzip", "x-gzip", "deflate")
            else None
        )

    def _count(self, data: bytes) -> bytes:
        self._size += len(data)
        if self._size > self._max:
            raise FetchError(
                f"response is larger than {self._max:,} bytes once decompressed; stopped reading"
            )
        return data

    def feed(self, chunk: bytes) -> bytes:
        if self._zlib is None:
            return self._count(chunk)
        out = []
        data = chunk
        try:
            while data:
                piece = self._zlib.decompress(data, self._max - self._size + 1)
                out.append(self._count(piece))
                data = self._zlib.unconsumed_tail
        except zlib.error as exc:
            raise FetchError(f"response body is not valid compressed data: {exc}") from None
        return b"".join(out)


Resolver = Callable[[str, int], list[str]]


def _readable(sock: socket.socket | None) -> bool:
    """Tell whether a kept connection's socket has something to read (or is gone).

    An idle HTTP/1.1 connection with bytes waiting can only be about to read the end: the
    server closed it. The same test as httpcore's, on a socket found once.
    """
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


class KeptStream(httpcore.AsyncNetworkStream):
    """A connection's stream that finds its socket once, for the pool's many checks of it.

    Each time a request starts or ends, the pool asks every idle connection whether its
    server closed it; anyio answers by building a table of every socket attribute (several
    system calls) per question. With a pool of 20 kept connections that was most of the
    client's CPU per request.
    """

    def __init__(self, stream: httpcore.AsyncNetworkStream) -> None:
        self._stream = stream
        self._socket: socket.socket | None = stream.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._stream.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._stream.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._stream.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
    ) -> httpcore.AsyncNetworkStream:
        return KeptStream(await self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._socket)
        if info == "socket":
            return self._socket
        return self._stream.get_extra_info(info)


class PinnedBackend(httpcore.AsyncNetworkBackend):
    """Resolve a host once, check the addresses, and connect to exactly the checked one.

    Checking a name and then letting the HTTP client resolve it again lets DNS answer with
    a public address for the check and a private one for the connection (DNS rebinding).
    """

    def __init__(self, *, allow_private: bool, resolver: Resolver = resolve) -> None:
        self.allow_private = allow_private
        self.resolver = resolver
        self._backend = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        try:
            ipaddress.ip_address(host)
            addresses = [host]
        except ValueError:
            try:
                addresses = await asyncio.to_thread(self.resolver, host, port)
            except ValueError as exc:
                raise httpcore.ConnectError(str(exc)) from None
        if not self.allow_private:
            try:
                check_public_addresses(host, addresses)
            except ValueError as exc:
                raise httpcore.ConnectError(str(exc)) from None
        failure: Exception = httpcore.ConnectError(f"no address for {host!r}")
        for address in addresses:
            try:
                stream = await self._backend.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
                return KeptStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109  (httpcore's interface)
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise httpcore.ConnectError("refusing to connect to a Unix socket")

    async def sleep(self, seconds: float) -> None:
        await self._backend.sleep(seconds)


class KeptPool(httpcore.AsyncConnectionPool):
    """httpcore's pool, with its bookkeeping linear in the number of kept connections.

    The pool sorts its connections each time a request starts or ends. httpcore's own pass
    counts the pool's connections again (asking each whether it is idle) for every
    connection it looks at, and lists every available and every idle connection for each
    queued request though it takes one: with the poller's 20-odd kept connections that was
    most of the client's CPU per request (about 150,000 idleness checks for 1,500 GETs). The
    same decisions, in the same order, each connection asked once per question.
    """

    def _assign_requests_to_connections(self) -> list[httpcore.AsyncConnectionInterface]:
        closing: list[httpcore.AsyncConnectionInterface] = []
        # Closed, expired, then idle beyond the keep-alive bound (httpcore compares the
        # count of ALL connections with that bound, idle or not: kept as it is).
        for connection in list(self._connections):
            if connection.is_closed():
                self._connections.remove(connection)
            elif connection.has_expired() or (
                connection.is_idle() and len(self._connections) > self._max_keepalive_connections
            ):
                self._connections.remove(connection)
                closing.append(connection)
        for pool_request in [r for r in self._requests if r.is_queued()]:
            origin = pool_request.request.url.origin
            available = next(
                (c for c in self._connections if c.can_handle_request(origin) and c.is_available()),
                None,
            )
            if available is not None:
                pool_request.assign_to_connection(available)
                continue
            if len(self._connections) >= self._max_connections:
                idle = next((c for c in self._connections if c.is_idle()), None)
                if idle is None:
                    continue  # it waits for a connection to be given back
                self._connections.remove(idle)
                closing.append(idle)
            connection = self.create_connection(origin)
            self._connections.append(connection)
            pool_request.assign_to_connection(connection)
        return closing


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport over PinnedBackend (TLS still checks the certificate of the name)."""

    def __init__(self, backend: PinnedBackend) -> None:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        super().__init__(trust_env=False, limits=limits)
        # httpx has no parameter for the network backend; its pool takes one.
        self._pool = KeptPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=backend,
        )


class Fetcher:
    """An HTTP client for feeds and article pages: bounded time, redirects and body size."""

    def __init__(
        self,
        *,
        max_bytes: int,
        allow_private: bool,
        timeout: float = 20.0,
        total_timeout: float = 60.0,
        max_redirects: int = 5,
        resolver: Resolver = resolve,
    ) -> None:
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.total_timeout = total_timeout
        self.max_redirects = max_redirects
        backend = PinnedBackend(allow_private=allow_private, resolver=resolver)
        self._client = httpx.AsyncClient(
            transport=PinnedTransport(backend),
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
        )

    async def close(self) -> None:
        await self._client.aclose()

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
    ) -> FetchResult:
        """GET ``url`` (conditionally, given validators); raise FetchError saying what failed."""
        try:
            async with asyncio.timeout(self.total_timeout):
                return await self._get(url, etag=etag, last_modified=last_modified, accept=accept)
        except TimeoutError:
            raise FetchError(f"timed out after {self.total_timeout:g} s") from None
        except httpx.TimeoutException:
            raise FetchError("timed out waiting for the server") from None
        except httpx.TooManyRedirects:
            raise FetchError("too many redirects") from None
        except httpx.ConnectError as exc:
            raise FetchError(str(exc) or "cannot connect") from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None

    async def _get(
        self, url: str, *, etag: str | None, last_modified: str | None, accept: str
    ) -> FetchResult:
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = {url}
        for _ in range(self.max_redirects + 1):
            await self._check_target(url)
            request = self._client.build_request("GET", url, headers=headers)
            response = await self._client.send(request, stream=True)
            try:
                if response.status_code in REDIRECT_CODES and "location" in response.headers:
                    target = urljoin(url, response.headers["location"])
                    if target in seen:
                        raise FetchError(f"redirect loop at {target}")
                    seen.add(target)
                    url = target
                    continue
                if response.status_code == 304:
                    # Read to its (empty) end: a response closed unread takes its connection
                    # with it, and the next poll of the host would open a new one.
                    await self._read(response)
                    return self._result(url, response, b"")
                if response.status_code >= 400:
                    phrase = response.reason_phrase or "error"
                    raise FetchError(f"HTTP {response.status_code} {phrase}")
                return self._result(url, response, await self._read(response))
            finally:
                await response.aclose()
        raise FetchError(f"more than {self.max_redirects} redirects")

    async def _check_target(self, url: str) -> None:
        """Refuse anything but http(s); the address is checked when connecting (PinnedBackend)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"refusing to fetch {url!r}: only http(s) URLs")

    async def _read(self, response: httpx.Response) -> bytes:
        declared = response.headers.get("content-length", "")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if declared.isdigit() and encoding == "identity" and int(declared) > self.max_bytes:
            raise FetchError(
                f"response is {int(declared):,} bytes, over the limit of {self.max_bytes:,}"
            )
        inflater = _Inflater(encoding, self.max_bytes)
        parts = [inflater.feed(chunk) async for chunk in response.aiter_raw()]
        return b"".join(parts)

    @staticmethod
    def _result(url: str, response: httpx.Response, content: bytes) -> FetchResult:
        return FetchResult(
            url=url,
            status=response.status_code,
            content=content,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            content_type=response.headers.get("content-type", ""),
        )
