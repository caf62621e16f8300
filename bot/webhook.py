"""Receive Telegram's webhook POSTs: the secret is checked and the size capped before any body
is read, so strangers cannot make the bot buffer large bodies."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from typing import Any

import tornado.httpserver
import tornado.web
from telegram import Bot, Update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Telegram's updates are a few kilobytes; a document arrives as a file id, not its bytes.
MAX_UPDATE_BYTES = 1_000_000


@tornado.web.stream_request_body
class _UpdateHandler(tornado.web.RequestHandler):
    """One update a POST; 403 without the secret and 413 over the cap, both before the body."""

    SUPPORTED_METHODS = ("POST",)

    def initialize(self, bot: Bot, queue: asyncio.Queue[object], secret: str) -> None:
        self.bot = bot
        self.queue = queue
        self.secret = secret
        self.chunks: list[bytes] = []
        self.size = 0

    def prepare(self) -> None:
        given = self.request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.secret.encode()):
            log.debug("webhook call without the right secret refused")
            self.send_error(403)
            return
        declared = self.request.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_UPDATE_BYTES:
            self.send_error(413)
            return
        self.request.connection.set_max_body_size(MAX_UPDATE_BYTES)  # type: ignore[union-attr]

    def data_received(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > MAX_UPDATE_BYTES:
            raise tornado.web.HTTPError(413)
        self.chunks.append(chunk)

    async def post(self) -> None:
        try:
            data = json.loads(b"".join(self.chunks))
            update = Update.de_json(data, self.bot)
        except (ValueError, TypeError, KeyError, RecursionError) as exc:
            log.warning("webhook call with an unreadable update: %s", exc)
            raise tornado.web.HTTPError(400) from None
        await self.queue.put(update)
        self.set_status(200)

    def log_exception(self, *args: Any) -> None:
        """Refusals are expected traffic, not errors worth a traceback."""


class WebhookServer:
    """The HTTP server Telegram posts updates to; updates go to the Application's queue."""

    def __init__(self, bot: Bot, queue: asyncio.Queue[object], *, secret: str, path: str) -> None:
        app = tornado.web.Application(
            [
                (
                    f"/{path.lstrip('/')}",
                    _UpdateHandler,
                    {"bot": bot, "queue": queue, "secret": secret},
                )
            ]
        )
        self._server = tornado.httpserver.HTTPServer(
            app, max_body_size=MAX_UPDATE_BYTES, idle_connection_timeout=60, body_timeout=30
        )

    def listen(self, host: str, port: int) -> None:
        self._server.listen(port, address=host)

    async def close(self) -> None:
        self._server.stop()
        await self._server.close_all_connections()
