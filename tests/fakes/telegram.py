"""A fake Bot API over HTTP on loopback: the real Application and HTTPXRequest talk to it.

It answers the methods briefbot uses, serves injected updates through getUpdates, records what
was sent and when it arrived (time.monotonic), checks Telegram HTML and length, and fails on
demand (429/403/500, per chat or for the next N calls, or at random with a seed), or enforces a
messages-per-second limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, unquote

TOKEN = "123456:TEST-token-never-real"
_JSON_KEYS = {
    "chat_id",
    "message_id",
    "reply_markup",
    "offset",
    "timeout",
    "limit",
    "commands",
    "scope",
    "reply_parameters",
    "disable_notification",
    "link_preview_options",
    "allowed_updates",
    "drop_pending_updates",
}
_ALLOWED_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
                 "tg-spoiler", "span", "blockquote", "tg-emoji"}  # fmt: skip


class _HTMLCheck(HTMLParser):
    """Reject what Telegram rejects: unknown tags and unbalanced ones."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.error = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _ALLOWED_TAGS:
            self.error = f"unsupported start tag {tag!r}"
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.error = f"can't find end tag corresponding to start tag {tag!r}"


def html_error(text: str) -> str:
    """Return why Telegram would refuse ``text`` as HTML, or ""."""
    checker = _HTMLCheck()
    checker.feed(text)
    checker.close()
    if checker.error:
        return checker.error
    return f"unclosed start tag {checker.stack[-1]!r}" if checker.stack else ""


def units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Sent:
    chat_id: int
    text: str
    parse_mode: str | None
    reply_markup: Any
    silent: bool
    message_id: int
    at: float = 0.0  # time.monotonic() when the fake accepted it


@dataclass(frozen=True)
class Edit:
    chat_id: int
    message_id: int
    text: str
    reply_markup: Any


@dataclass(frozen=True)
class SentDocument:
    chat_id: int
    filename: str
    data: bytes
    caption: str | None


@dataclass(frozen=True)
class Refused:
    """A sendMessage the fake answered with an error."""

    chat_id: int
    status: int
    at: float  # time.monotonic() when it was refused
    retry_after: int | None = None


@dataclass
class Failure:
    status: int
    description: str
    retry_after: int | None = None


@dataclass
class FakeTelegram:
    """The fake server; ``api_url`` goes into settings.telegram_api_url."""

    per_second: float | None = None  # enforce a global sendMessage limit (429 beyond it)
    random_429: float = 0.0
    random_500: float = 0.0
    retry_after: int = 1
    seed: int = 7
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)
    # Awaited after a sendMessage is accepted and before it is answered (to inject a fault
    # between Telegram's acknowledgement and the bot's record of it).
    before_answer: Callable[[Sent], Awaitable[None]] | None = None

    def __post_init__(self) -> None:
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1000)
        self._changed = asyncio.Condition()
        self._fail_next: deque[Failure] = deque()
        self._fail_chats: dict[int, Failure] = {}
        self._chat_limits: dict[int, list[int]] = {}
        self._migrated: dict[int, int] = {}
        self._window: deque[float] = deque()
        self._random = random.Random(self.seed)
        self._hold_after: int | None = None
        self._held = asyncio.Event()
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self.refused: list[Refused] = []
        self.webhook: dict[str, Any] | None = None  # the last setWebhook parameters
        self.documents: list[SentDocument] = []
        self.edits: list[Edit] = []
        # Telegram's language_code of each user (none unless a test sets one).
        self.languages: dict[int, str] = {}
        # Chats that are supergroups (others are private), and members' status in them.
        self.groups: set[int] = set()
        self.members: dict[tuple[int, int], str] = {}
        # Channels by @username (getChat), and the forum topic each chat's messages are sent in.
        self.channels: dict[str, int] = {}
        self.topics: dict[int, int] = {}

    # --- lifecycle -------------------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    @property
    def api_url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def close(self) -> None:
        self._held.set()
        if self._server is not None:
            self._server.close()
            for writer in list(self._connections):
                writer.close()
            await self._server.wait_closed()

    # --- what tests control -----------------------------------------------------------------

    def fail_next(self, status: int, count: int = 1, *, retry_after: int | None = None) -> None:
        """Answer the next ``count`` sendMessage calls with ``status``."""
        for _ in range(count):
            self._fail_next.append(Failure(status, _describe(status), retry_after))

    def fail_chat(self, chat_id: int, status: int = 403) -> None:
        """Answer every sendMessage to ``chat_id`` with ``status`` (403: bot blocked)."""
        self._fail_chats[chat_id] = Failure(status, _describe(status))

    def migrate_chat(self, chat_id: int, new_chat_id: int) -> None:
        """Answer sends to ``chat_id`` as Telegram does once a group became a supergroup."""
        self._migrated[chat_id] = new_chat_id

    def limit_chat(self, chat_id: int, retry_after: int, times: int = 1) -> None:
        """Answer the next ``times`` sendMessage calls to ``chat_id`` with a 429 for that chat."""
        self._chat_limits[chat_id] = [retry_after, times]

    def hold_after(self, delivered: int | None) -> None:
        """Never answer sendMessage once ``delivered`` messages went out (None: stop holding)."""
        self._hold_after = delivered
        if delivered is None:
            self._held.set()
            self._held = asyncio.Event()

    async def push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; return its update_id."""
        update_id = next(self._update_ids)
        async with self._changed:
            self._updates.append({"update_id": update_id, **update})
            self._changed.notify_all()
        return update_id

    async def command(self, chat_id: int, text: str, *, user_id: int | None = None) -> int:
        """Queue a text message (a command when it starts with /)."""
        return await self.push(self.text_update(chat_id, text, user_id=user_id))

    def text_update(self, chat_id: int, text: str, *, user_id: int | None = None) -> dict[str, Any]:
        """Return an update carrying a text message, without an update_id (see push)."""
        message = self._message(chat_id, user_id)
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"message": message}

    async def document(
        self,
        chat_id: int,
        name: str,
        data: bytes,
        *,
        user_id: int | None = None,
        size: int | None = None,
    ) -> int:
        """Queue a document message; its bytes are served through getFile."""
        file_id = f"file{len(self.files) + 1}"
        self.files[file_id] = data
        message = self._message(chat_id, user_id)
        message["document"] = {
            "file_id": file_id,
            "file_unique_id": f"u{file_id}",
            "file_name": name,
            "file_size": len(data) if size is None else size,
        }
        return await self.push({"message": message})

    async def edited(self, chat_id: int, text: str) -> int:
        """Queue an edited text message (someone changed what they wrote)."""
        message = self._message(chat_id, None)
        message.update(text=text, edit_date=int(time.time()))
        return await self.push({"edited_message": message})

    async def channel_post(self, chat_id: int, text: str) -> int:
        """Queue a post in a channel the bot was added to."""
        message = self._message(chat_id, None)
        del message["from"]
        message.update(text=text, chat={"id": chat_id, "type": "channel", "title": "News"})
        return await self.push({"channel_post": message})

    async def press(
        self, chat_id: int, data: str, *, user_id: int | None = None, message_id: int | None = None
    ) -> int:
        """Queue a callback query, as when a user presses an inline button (on ``message_id``)."""
        user = user_id or chat_id
        message = self._message(chat_id, user)
        message["from"] = {"id": 1, "is_bot": True, "first_name": "briefbot"}
        message["text"] = "alert"
        if message_id is not None:
            message["message_id"] = message_id
        query = {
            "id": f"cq{next(self._message_ids)}",
            "from": {"id": user, "is_bot": False, "first_name": "Reader"},
            "chat_instance": "ci",
            "data": data,
            "message": message,
        }
        return await self.push({"callback_query": query})

    def to(self, chat_id: int) -> list[Sent]:
        """Return the messages delivered to one chat, in order."""
        return [s for s in self.sent if s.chat_id == chat_id]

    def methods(self) -> list[str]:
        return [name for name, _ in self.calls]

    async def wait_for(self, predicate: Any, within: float = 10.0) -> None:
        """Wait until ``predicate()`` is true (checked whenever something happens)."""
        async with asyncio.timeout(within):
            async with self._changed:
                await self._changed.wait_for(predicate)

    def _message(self, chat_id: int, user_id: int | None) -> dict[str, Any]:
        user = {"id": user_id or chat_id, "is_bot": False, "first_name": "Reader"}
        if (language := self.languages.get(user_id or chat_id)) is not None:
            user["language_code"] = language
        chat: dict[str, Any] = {"id": chat_id, "type": "private"}
        if chat_id in self.groups:
            chat = {"id": chat_id, "type": "supergroup", "title": "Newsroom", "is_forum": True}
        message = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
        }
        if chat_id in self.topics:
            message.update(message_thread_id=self.topics[chat_id], is_topic_message=True)
        return message

    # --- HTTP ------------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._connections.add(writer)
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                _, path, _ = line.decode("latin-1").split(" ", 2)
                headers: dict[str, str] = {}
                while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
                    name, _, value = header.decode("latin-1").partition(":")
                    headers[name.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length", "0")))
                status, payload, content_type = await self._handle(path, headers, body)
                if status == 0:
                    return  # held: drop the connection without an answer
                writer.write(
                    f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\n"
                    f"Content-Length: {len(payload)}\r\nConnection: keep-alive\r\n\r\n".encode()
                    + payload
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError):
            return
        except asyncio.CancelledError:
            return  # the loop is closing; a finished handler keeps asyncio's callback quiet
        finally:
            self._connections.discard(writer)
            writer.close()

    async def _handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, bytes, str]:
        path = unquote(path)
        if path.startswith(f"/file/bot{TOKEN}/"):
            file_id = path.rsplit("/", 1)[-1]
            data = self.files.get(file_id)
            return (
                (200, data, "application/octet-stream")
                if data is not None
                else (404, b"", "text/plain")
            )
        prefix = f"/bot{TOKEN}/"
        if not path.startswith(prefix):
            return _error(404, "Not Found")
        method = path.removeprefix(prefix)
        params = _params(headers.get("content-type", ""), body)
        self.calls.append((method, params))
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            return _error(404, "Not Found: method not found")
        result = await handler(params)
        async with self._changed:
            self._changed.notify_all()
        return result

    async def _api_getMe(self, params: dict[str, Any]) -> tuple[int, bytes, str]:
        return _ok({"id": 1, "is_bot": True, "first_name": "briefbot", "username": "briefbot_test"})

    async def _api_deleteWebhook(self, params: dict[str, Any]) -> tuple[int, bytes, str]:
        return _ok(True)

    async def _api_setMyCommands(self, params: dict[str, Any]) -> tuple[int, bytes, str]:
        return _ok(True)

    async def _api_setWebhook(self, params: dict[str, Any]) -> tuple[int, bytes, str]:
        self.webhook = params
        return _ok(True)

    async def _api_answerCallbackQuery(self, params: dict[str, Any]) -> tuple[int, bytes, str]:
        return _ok(True)

    async def _api_getFile(self, params: dict[str, Any]) -> tuple[int, bytes, str]:
        file_id = str(params["file_id"])
        if file_id not in self.files:
            return _error(400, "Bad Request: invalid file_id")
        return _ok(
            {"file_id": file_id, "file_unique_id": f"u{file_id}", "file_size": len(self.files[file_id]),
             "file_path": f"documents/{file_id}"}
        )  # fmt: skip

    async def _api_getUpdates(self, params: dict[str, Any]) -> tuple[int, bytes, str]:
        offset = int(params.get("offset") or 0)
        timeout = float(params.get("timeout") or 0)

        def ready() -> list[dict[str, Any]]:
            return [u for u in self._updates if u["update_id"] >= offset]

        async with self._changed:
            if not ready() and timeout > 0:
                try:
                    async with asyncio.timeout(min(timeout, 2.0)):
                        await self._changed.wait_for(lambda: bool(ready()))
                except TimeoutError:
                    pass
            return _ok(ready())

    async def _api_editMessageText(self, params: dict[str, Any]) -> tuple[int, bytes, str]:
        chat_id, message_id, text = (
            int(params["chat_id"]),
            int(params["message_id"]),
            str(params["text"]),
        )
        if units(text) > 4096:
            return _error(400, "Bad Request: MESSAGE_TOO_LONG")
        if params.get("parse_mode") == "HTML" and (problem := html_error(text)):
            return _error(400, f"Bad Request: can't parse entities: {problem}")
        self.edits.append(Edit(chat_id, message_id, text, params.get("reply_markup")))
        return _ok(self._message_json(chat_id, text, message_id))

    async def _api_getChat(self, params: dict[str, Any]) -> tuple[int, bytes, str]:
        ref = str(params["chat_id"])
        chat_id = self.channels.get(ref.lstrip("@")) if ref.startswith("@") else int(ref)
        if chat_id is None:
            return _error(400, "Bad Request: chat not found")
        gifts = dict.fromkeys(
            (
                "unlimited_gifts",
                "limited_gifts",
                "unique_gifts",
                "premium_subscription",
                "gifts_from_channels",
            ),
            False,
        )
        return _ok(
            {"id": chat_id, "type": "channel", "title": f"Channel {ref}", "accent_color_id": 0,
             "max_reaction_count": 11, "accepted_gift_types": gifts}
        )  # fmt: skip

    async def _api_getChatMember(self, params: dict[str, Any]) -> tuple[int, bytes, str]:
        chat_id, user_id = int(params["chat_id"]), int(params["user_id"])
        status = self.members.get((chat_id, user_id), "member")
        user = {"id": user_id, "is_bot": False, "first_name": "Reader"}
        member: dict[str, Any] = {"status": status, "user": user}
        if status == "administrator":
            member.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True,
                          can_delete_messages=True, can_manage_video_chats=True,
                          can_restrict_members=True, can_promote_members=False,
                          can_change_info=True, can_invite_users=True, can_post_stories=False,
                          can_edit_stories=False, can_delete_stories=False,
                          can_post_messages=True)  # fmt: skip
        elif status == "creator":
            member["is_anonymous"] = False
        return _ok(member)

    async def _api_sendDocument(self, params: dict[str, Any]) -> tuple[int, bytes, str]:
        chat_id = int(params["chat_id"])
        data = params.get("document", "")
        self.documents.append(
            SentDocument(chat_id, str(params.get("document.filename", "")),
                         data.encode("utf-8") if isinstance(data, str) else bytes(data),
                         params.get("caption"))
        )  # fmt: skip
        message = self._message_json(chat_id, "", next(self._message_ids))
        message["document"] = {"file_id": "sent", "file_unique_id": "usent"}
        return _ok(message)

    async def _api_sendMessage(self, params: dict[str, Any]) -> tuple[int, bytes, str]:
        chat_id = int(params["chat_id"])
        text = str(params["text"])
        if chat_id in self._migrated:
            return _error(
                400,
                "Bad Request: group chat was upgraded to a supergroup chat",
                {"migrate_to_chat_id": self._migrated[chat_id]},
            )
        failure = self._failure(chat_id)
        if failure is not None:
            self.refused.append(
                Refused(chat_id, failure.status, time.monotonic(), failure.retry_after)
            )
            params_json = {"retry_after": failure.retry_after} if failure.retry_after else None
            return _error(failure.status, failure.description, params_json)
        if units(text) > 4096:
            return _error(400, "Bad Request: message is too long")
        if params.get("parse_mode") == "HTML" and (problem := html_error(text)):
            return _error(400, f"Bad Request: can't parse entities: {problem}")
        if self._hold_after is not None and len(self.sent) >= self._hold_after:
            await self._held.wait()
            return 0, b"", ""
        message_id = next(self._message_ids)
        self.sent.append(
            Sent(chat_id, text, params.get("parse_mode"), params.get("reply_markup"),
                 bool(params.get("disable_notification")), message_id, time.monotonic())
        )  # fmt: skip
        if self.before_answer is not None:
            await self.before_answer(self.sent[-1])
        return _ok(self._message_json(chat_id, text, message_id))

    def _failure(self, chat_id: int) -> Failure | None:
        if chat_id in self._fail_chats:
            return self._fail_chats[chat_id]
        limit = self._chat_limits.get(chat_id)
        if limit and limit[1] > 0:
            limit[1] -= 1
            return Failure(429, f"Too Many Requests: retry after {limit[0]}", limit[0])
        if self._fail_next:
            return self._fail_next.popleft()
        if self.per_second is not None:
            now = time.monotonic()
            while self._window and now - self._window[0] >= 1.0:
                self._window.popleft()
            if len(self._window) >= self.per_second:
                return Failure(429, _describe(429), self.retry_after)
            self._window.append(now)
        roll = self._random.random()
        if roll < self.random_429:
            return Failure(429, _describe(429), self.retry_after)
        if roll < self.random_429 + self.random_500:
            return Failure(500, _describe(500))
        return None

    def _message_json(self, chat_id: int, text: str, message_id: int) -> dict[str, Any]:
        return {"message_id": message_id, "date": int(time.time()),
                "chat": {"id": chat_id, "type": "private"}, "text": text}  # fmt: skip


def _describe(status: int) -> str:
    return {
        429: "Too Many Requests: retry after 1",
        403: "Forbidden: bot was blocked by the user",
        500: "Internal Server Error",
        502: "Bad Gateway",
        400: "Bad Request: chat not found",
    }.get(status, "Error")


def _params(content_type: str, body: bytes) -> dict[str, Any]:
    if not body:
        return {}
    if content_type.startswith("application/json"):
        return dict(json.loads(body))
    if content_type.startswith("multipart/form-data"):
        boundary = content_type.split("boundary=", 1)[1].strip('"').encode()
        out: dict[str, Any] = {}
        for part in body.split(b"--" + boundary):
            head, _, value = part.partition(b"\r\n\r\n")
            if b'name="' not in head:
                continue
            name = head.split(b'name="', 1)[1].split(b'"', 1)[0].decode()
            out[name] = value.removesuffix(b"\r\n").decode("utf-8", "replace")
            if b'filename="' in head:
                filename = head.split(b'filename="', 1)[1].split(b'"', 1)[0]
                out[f"{name}.filename"] = filename.decode("utf-8", "replace")
        return _decode(out)
    return _decode(dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True)))


def _decode(raw: dict[str, Any]) -> dict[str, Any]:
    out = dict(raw)
    for key in _JSON_KEYS & out.keys():
        with contextlib.suppress(TypeError, ValueError):
            out[key] = json.loads(out[key])
    return out


def _ok(result: Any) -> tuple[int, bytes, str]:
    return 200, json.dumps({"ok": True, "result": result}).encode(), "application/json"


def _error(
    status: int, description: str, parameters: dict[str, Any] | None = None
) -> tuple[int, bytes, str]:
    body: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        body["parameters"] = parameters
    return status, json.dumps(body).encode(), "application/json"
