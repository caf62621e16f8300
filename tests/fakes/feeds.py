"""A real HTTP server on loopback that serves feeds and pages, with ETag/304 and failure modes."""

from __future__ import annotations

import gzip
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Handler = Callable[[Request], Reply]


class _Server(ThreadingHTTPServer):
    # The default backlog of 5 drops connections from a client opening many at once, and the
    # client's retry a second later would make concurrency look lower than it is.
    request_queue_size = 128


class FakeFeedServer:
    """Serve handlers (plain functions ``Request -> Reply``) on 127.0.0.1 from a thread."""

    def __init__(self) -> None:
        self.routes: dict[str, Handler] = {}
        self.hits: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self._feeds: dict[str, dict[str, object]] = {}
        # Connections clients opened (a keep-alive connection serves many requests).
        self.connections = 0
        self._counting = threading.Lock()
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The head and the body go out in two writes: with Nagle's algorithm the body waits
            # for the client's (delayed) acknowledgement of the head, tens of ms per response.
            disable_nagle_algorithm = True

            def setup(self) -> None:
                with server._counting:
                    server.connections += 1
                super().setup()

            def do_GET(self) -> None:
                path = self.path
                server.hits[path] += 1
                handler = server.routes.get(path)
                request = Request(path, {k.lower(): v for k, v in self.headers.items()})
                reply = handler(request) if handler else Reply(404, b"not found")
                if reply.status == 304:
                    server.not_modified[path] += 1
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except OSError:
                    pass  # the client gave up (timeouts are part of the tests)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign, assignment]
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def route(self, path: str, handler: Handler) -> str:
        self.routes[path] = handler
        return self.url(path)

    def static(self, path: str, body: bytes, content_type: str = "text/html") -> str:
        """Serve fixed bytes with no validators."""
        return self.route(path, lambda _r: Reply(200, body, {"Content-Type": content_type}))

    def feed(self, path: str, body: bytes, *, etag: str | None = "v1") -> str:
        """Serve a feed with ETag and Last-Modified, answering 304 to a matching request."""
        modified = format_datetime(datetime(2026, 1, 8, 9, 0, tzinfo=UTC), usegmt=True)
        state: dict[str, object] = {"body": body, "etag": etag}

        def handler(request: Request) -> Reply:
            tag = state["etag"]
            headers = {"Content-Type": "application/rss+xml", "Last-Modified": modified}
            if tag is not None:
                headers["ETag"] = f'"{tag}"'
                if request.headers.get("if-none-match") == f'"{tag}"':
                    return Reply(304, b"", headers)
            elif request.headers.get("if-modified-since") == modified:
                return Reply(304, b"", headers)
            return Reply(200, state["body"] or b"", headers)  # type: ignore[arg-type]

        self.routes[path] = handler
        self._feeds[path] = state
        return self.url(path)

    def update_feed(self, path: str, body: bytes, etag: str | None) -> None:
        """Change what a feed serves (and its ETag)."""
        self._feeds[path].update(body=body, etag=etag)


class Gate:
    """Hold each request until more than ``width`` are in flight, or ``hold`` seconds pass.

    Wrap handlers with it to see how many requests a client makes at once: a client bound to
    ``width`` keeps ``most`` at exactly ``width`` (the hold lets its requests pile up), one
    without a bound pushes it higher.
    """

    def __init__(self, width: int, *, hold: float = 0.5) -> None:
        self.width = width
        self.hold = hold
        self.in_flight = 0
        self.most = 0
        self._changed = threading.Condition()

    def __call__(self, handler: Handler) -> Handler:
        def gated(request: Request) -> Reply:
            with self._changed:
                self.in_flight += 1
                self.most = max(self.most, self.in_flight)
                self._changed.notify_all()
                self._changed.wait_for(lambda: self.in_flight > self.width, timeout=self.hold)
            try:
                return handler(request)
            finally:
                with self._changed:
                    self.in_flight -= 1

        return gated


@contextmanager
def running_server() -> Iterator[FakeFeedServer]:
    server = FakeFeedServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


def gzip_bomb(size: int) -> Reply:
    """A small gzip body that inflates to ``size`` bytes."""
    return Reply(
        200,
        gzip.compress(b"\0" * size, compresslevel=9),
        {"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
    )


def rss(items: list[dict[str, str]], *, title: str = "Test feed") -> bytes:
    """Write an RSS 2.0 document; each item may have title, link, guid, description, content, date."""
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">',
        f"<channel><title>{escape(title)}</title><link>http://example.test/</link>",
    ]
    for item in items:
        parts.append("<item>")
        for key, tag in (
            ("title", "title"),
            ("link", "link"),
            ("guid", "guid"),
            ("description", "description"),
            ("date", "pubDate"),
        ):
            if key in item:
                parts.append(f"<{tag}>{escape(item[key])}</{tag}>")
        if "content" in item:
            parts.append(f"<content:encoded><![CDATA[{item['content']}]]></content:encoded>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


def article_page(title: str, paragraphs: list[str], *, published: str | None = None) -> bytes:
    """Write a news page with navigation around the article (and its date in a meta tag)."""
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    date = (
        f'<meta property="article:published_time" content="{escape(published)}">'
        if published
        else ""
    )
    return (
        "<!doctype html><html><head>"
        f"<title>{escape(title)} | Example News</title>"
        f'<meta property="og:title" content="{escape(title)}">{date}'
        "</head><body><nav><a href='/'>Home</a> <a href='/world'>World</a></nav>"
        f"<article><h1>{escape(title)}</h1>{body}</article>"
        "<footer>Copyright Example News</footer></body></html>"
    ).encode()
