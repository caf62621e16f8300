"""Fetch feeds and pages over HTTP with hard limits on time, redirects and size."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
import ssl
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import aiohttp
import certifi
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

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


class _Refused(OSError):
    """A name that did not resolve, or resolved to an address we may not connect to."""


class PinnedResolver(AbstractResolver):
    """Resolve a name once, check the addresses, and hand the connector exactly those.

    Checking a name and then letting the HTTP client resolve it again lets DNS answer with
    a public address for the check and a private one for the connection (DNS rebinding).
    The connector connects to the addresses returned here, and asks again for every new
    connection (its DNS cache is off), so no address reaches a socket unchecked.
    """

    def __init__(self, *, allow_private: bool, resolver: Resolver = resolve) -> None:
        self.allow_private = allow_private
        self.resolver = resolver

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        try:
            addresses = await asyncio.to_thread(self.resolver, host, port)
            if not self.allow_private:
                check_public_addresses(host, addresses)
        except ValueError as exc:
            raise _Refused(str(exc)) from None
        if not addresses:
            raise _Refused(f"no address for {host!r}")
        # Numeric flags: the connector must not look any of these up again.
        flags = socket.AI_NUMERICHOST | socket.AI_NUMERICSERV
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=0,
                flags=flags,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        pass


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """Verify certificates, and that they name the host, against certifi's authorities."""
    return ssl.create_default_context(cafile=certifi.where())


def _cannot_connect(exc: aiohttp.ClientConnectorError) -> str:
    """Say in plain words why a connection could not be made."""
    error = exc.os_error
    if isinstance(error, _Refused):
        return str(error)
    # An OSError's strerror, or a TLS error's message (an untrusted certificate, say).
    reason = error.strerror or str(error) or "connection failed"
    return f"cannot connect to {exc.host}:{exc.port}: {reason}"


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
        self.resolver = resolver
        # Connecting covers waiting for a free connection too, bounded by the read timeout.
        self._timeout = aiohttp.ClientTimeout(
            connect=timeout, sock_connect=min(timeout, 10.0), sock_read=timeout
        )
        # aiohttp binds a session to the running event loop: made at the first request.
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(
                resolver=PinnedResolver(allow_private=self.allow_private, resolver=self.resolver),
                use_dns_cache=False,
                ssl=_tls_context(),
                limit=100,
                keepalive_timeout=5.0,
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                timeout=self._timeout,
                headers={"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"},
                auto_decompress=False,  # _Inflater decompresses, within the size cap
                trust_env=False,  # no proxy from the environment
                # A header line may be as long as our earlier client took (16 KiB).
                max_line_size=16_384,
                max_field_size=16_384,
            )
        return self._session

    async def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = "*/*",
    ) -> FetchResult:
        """GET ``url`` (conditionally, given validators); raise FetchError saying what failed."""
        deadline = asyncio.timeout(self.total_timeout)
        try:
            async with deadline:
                return await self._get(url, etag=etag, last_modified=last_modified, accept=accept)
        except TimeoutError:  # the whole fetch's bound, or aiohttp's per-read and connect ones
            if deadline.expired():
                raise FetchError(f"timed out after {self.total_timeout:g} s") from None
            raise FetchError("timed out waiting for the server") from None
        except aiohttp.ClientConnectorError as exc:
            raise FetchError(_cannot_connect(exc)) from None
        except aiohttp.ClientError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}".rstrip(": ")) from None

    async def _get(
        self, url: str, *, etag: str | None, last_modified: str | None, accept: str
    ) -> FetchResult:
        headers = {"Accept": accept}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        client = self._client()
        seen = {url}
        for _ in range(self.max_redirects + 1):
            target = self._check_target(url)
            async with client.get(target, headers=headers, allow_redirects=False) as response:
                if response.status in REDIRECT_CODES and "location" in response.headers:
                    location = urljoin(url, response.headers["location"])
                    if location in seen:
                        raise FetchError(f"redirect loop at {location}")
                    seen.add(location)
                    url = location
                    continue
                if response.status == 304:
                    # Read to its (empty) end, so the connection goes back to the pool for
                    # the host's next poll (one closed with its body unread is not kept).
                    await self._read(response)
                    return self._result(url, response, b"")
                if response.status >= 400:
                    phrase = response.reason or "error"
                    raise FetchError(f"HTTP {response.status} {phrase}")
                return self._result(url, response, await self._read(response))
        raise FetchError(f"more than {self.max_redirects} redirects")

    def _check_target(self, url: str) -> URL:
        """Refuse anything but http(s) and unchecked address literals; return what to GET.

        A host name's addresses are checked when connecting (PinnedResolver); aiohttp connects
        to an address literal without asking the resolver, so a literal is checked here, on
        the very URL object the request is made with.
        """
        try:
            target = URL(url)
            host = target.raw_host
        except (ValueError, TypeError):
            raise FetchError(f"refusing to fetch {url!r}: not a valid URL") from None
        if target.scheme not in ("http", "https") or not host:
            raise FetchError(f"refusing to fetch {url!r}: only http(s) URLs")
        try:
            ipaddress.ip_address(host)
        except ValueError:
            # aiohttp takes a host of digits and dots, or with a colon, for an address.
            if ":" in host or host.replace(".", "").isdigit():
                raise FetchError(
                    f"refusing to fetch {url!r}: {host!r} is no valid address"
                ) from None
            return target
        if not self.allow_private:
            try:
                check_public_addresses(host, [host])
            except ValueError as exc:
                raise FetchError(str(exc)) from None
        return target

    async def _read(self, response: aiohttp.ClientResponse) -> bytes:
        declared = response.headers.get("content-length", "")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if declared.isdigit() and encoding == "identity" and int(declared) > self.max_bytes:
            raise FetchError(
                f"response is {int(declared):,} bytes, over the limit of {self.max_bytes:,}"
            )
        inflater = _Inflater(encoding, self.max_bytes)
        parts = [inflater.feed(chunk) async for chunk in response.content.iter_any()]
        return b"".join(parts)

    @staticmethod
    def _result(url: str, response: aiohttp.ClientResponse, content: bytes) -> FetchResult:
        return FetchResult(
            url=url,
            status=response.status,
            content=content,
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            content_type=response.headers.get("content-type", ""),
        )
