"""Fetch feeds and pages over HTTP with hard limits on time, redirects and size."""

from __future__ import annotations

import asyncio
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from bot import __version__
from bot.ingest.urls import check_public_host

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
    ) -> None:
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self.total_timeout = total_timeout
        self.max_redirects = max_redirects
        self._client = httpx.AsyncClient(
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
                    return self._result(url, response, b"")
                if response.status_code >= 400:
                    phrase = response.reason_phrase or "error"
                    raise FetchError(f"HTTP {response.status_code} {phrase}")
                return self._result(url, response, await self._read(response))
            finally:
                await response.aclose()
        raise FetchError(f"more than {self.max_redirects} redirects")

    async def _check_target(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"refusing to fetch {url!r}: only http(s) URLs")
        if not self.allow_private:
            try:
                await asyncio.to_thread(check_public_host, parts.hostname)
            except ValueError as exc:
                raise FetchError(str(exc)) from None

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
