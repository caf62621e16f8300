"""Send one queued message and say what happened; pace sends to Telegram's limits."""

from __future__ import annotations

import asyncio
import enum
import html
import json
import logging
import math
import re
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from telegram import Bot, LinkPreviewOptions, ReplyParameters
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import BaseRateLimiter, ExtBot
from telegram.request import BaseRequest, HTTPXRequest, RequestData
from telegram.warnings import PTBDeprecationWarning

from bot.delivery.kinds import EDIT
from storage.records import OutboxRecord

log = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]*>")
# Bad requests that mean the chat itself is gone, like a 403.
_CHAT_GONE = ("chat not found", "user is deactivated", "group chat was deleted", "peer_id_invalid")
# rate_limit_args of a send the outbox worker paced itself: SharedRateLimiter lets it through.
PACED: dict[str, Any] = {"paced": True}
JSONDict = dict[str, Any]  # what a Bot API call returns, as PTB types it


class Result(enum.Enum):
    SENT = "sent"
    RATE_LIMITED = "rate limited"
    TRANSIENT = "transient error"
    CHAT_GONE = "chat gone"
    BAD_MARKUP = "bad markup"
    REJECTED = "rejected"
    MIGRATED = "chat migrated"


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of one send attempt."""

    result: Result
    message_id: int | None = None
    error: str = ""
    retry_after: float = 0.0
    new_chat_id: int | None = None  # MIGRATED: the id the chat now has


def plain_text(message: str) -> str:
    """Turn Telegram HTML into the plain text a reader would see."""
    return html.unescape(_TAG.sub("", message))


def retry_seconds(exc: RetryAfter) -> float:
    """Return how long Telegram asked us to wait, whatever type this PTB version uses."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value: int | float | timedelta = exc.retry_after
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# An edit Telegram will not make: the message is as it should be, or cannot be edited any more.
_EDIT_DONE = ("message is not modified", "message can't be edited", "message to edit not found")


async def send_message(
    bot: Bot, msg: OutboxRecord, *, plain: bool = False, target: int | None = None
) -> Delivery:
    """Send ``msg`` once (as plain text when ``plain``) and classify the outcome.

    ``target`` is Telegram's id of the message ``msg.target_key`` names: an edit replaces its
    text, any other message replies to it.
    """
    # The stored keyboard goes out as the JSON object it is: made into PTB objects it was only
    # turned back into the same dict (about a seventh of the bot's CPU per delivered digest).
    # PTB sends a dict as the JSON it is, as it does the to_dict() of its own objects.
    markup: Any = json.loads(msg.reply_markup) if msg.reply_markup else None
    extra: dict[str, Any] = {}
    if isinstance(bot, ExtBot) and bot.rate_limiter is not None:
        extra["rate_limit_args"] = PACED  # the caller already waited for its turn
    text = plain_text(msg.text) if plain else msg.text
    parse_mode = None if plain else msg.parse_mode
    previews = LinkPreviewOptions(is_disabled=not msg.previews)
    try:
        if msg.kind == EDIT:
            if target is None:
                return Delivery(Result.REJECTED, error="the message to edit was never sent")
            try:
                await bot.edit_message_text(
                    text,
                    chat_id=msg.chat_id,
                    message_id=target,
                    parse_mode=parse_mode,
                    reply_markup=markup,
                    link_preview_options=previews,
                    **extra,
                )
            except BadRequest as exc:
                if not any(marker in exc.message.lower() for marker in _EDIT_DONE):
                    raise
            return Delivery(Result.SENT, message_id=target)
        reply = (
            None if target is None else ReplyParameters(target, allow_sending_without_reply=True)
        )
        sent = await bot.send_message(
            msg.chat_id,
            text,
            parse_mode=parse_mode,
            reply_markup=markup,
            disable_notification=msg.silent,
            message_thread_id=msg.thread_id,
            link_preview_options=previews,
            reply_parameters=reply,
            **extra,
        )
    except RetryAfter as exc:
        return Delivery(Result.RATE_LIMITED, error=str(exc), retry_after=retry_seconds(exc))
    except ChatMigrated as exc:
        return Delivery(Result.MIGRATED, error=exc.message, new_chat_id=int(exc.new_chat_id))
    except Forbidden as exc:
        return Delivery(Result.CHAT_GONE, error=exc.message)
    except BadRequest as exc:  # before NetworkError: BadRequest subclasses it
        lowered = exc.message.lower()
        if "can't parse entities" in lowered and msg.parse_mode and not plain:
            return Delivery(Result.BAD_MARKUP, error=exc.message)
        if any(marker in lowered for marker in _CHAT_GONE):
            return Delivery(Result.CHAT_GONE, error=exc.message)
        return Delivery(Result.REJECTED, error=exc.message)
    except NetworkError as exc:  # includes TimedOut and 5xx answers
        return Delivery(Result.TRANSIENT, error=exc.message)
    except TelegramError as exc:
        return Delivery(Result.TRANSIENT, error=f"{type(exc).__name__}: {exc.message}")
    return Delivery(Result.SENT, message_id=sent.message_id)


class Slot:
    """One send's turn: when it started, and by when its request had reached Telegram."""

    __slots__ = ("_answered", "reached", "started")

    def __init__(
        self, started: float, answered: Callable[[Slot], None], *, in_flight: bool
    ) -> None:
        self.started = started
        self._answered = answered
        # Until answered, the request may still be on its way (a busy loop writes it late).
        self.reached = math.inf if in_flight else started

    def done(self) -> None:
        """Mark the send answered: its request reached Telegram before now."""
        if self.reached == math.inf:
            self._answered(self)


class RateLimiter:
    """Space sends: at most ``per_second`` overall, one per ``chat_interval`` per private chat
    and one per ``group_interval`` per group or channel.

    Sends start one at a time on a schedule of slots ``1 / per_second`` apart. A send that was
    waiting for its slot and got it late (a busy event loop woke it late) does not push the
    schedule back: the next slot stays where it was, so the pace catches up, by at most
    ``catch_up`` seconds of slots. A send that came when no one was waiting starts a fresh
    schedule (idle time is not saved up). Whatever the catching up, at most ``window_sends``
    sends start within any ``window`` seconds (Telegram counts a sliding second), so a late wake-up
    costs no slot and still never releases a burst that would overrun Telegram's window.
    A send acquired ``in_flight`` counts from when it was answered (``Slot.done``) instead:
    Telegram counts a request when it arrives, and a loop that is late writes it late, so
    the send ``window_sends`` later must start a window after that answer (at most
    ``max_flight`` seconds after its start) to be sure of never overrunning.

    A 429 holds back its own chat for exactly ``retry_after``; every other chat goes on (Telegram
    limits each chat on its own). 429s for ``flood_chats`` chats within ``flood_window``
    seconds mean the bot as a whole sends too fast: then every send pauses for
    ``retry_after`` and the pace slows, to recover later. One instance serves the outbox worker
    and (through SharedRateLimiter) the command replies.
    """

    def __init__(
        self,
        *,
        per_second: float = 29.8,
        chat_interval: float = 1.0,
        group_interval: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        flood_window: float = 1.0,
        flood_chats: int = 3,
        catch_up: float = 0.1,
        window_sends: int = 30,
        window: float = 1.002,
        max_flight: float = 5.0,
    ) -> None:
        self.base_interval = 1.0 / per_second
        self.catch_up = catch_up
        self.window = window
        # The latest ``window_sends`` sends, oldest first.
        self._starts: deque[Slot] = deque(maxlen=window_sends)
        self.max_flight = max_flight
        self.flood_window = flood_window
        self.flood_chats = flood_chats
        self._limited_chats: dict[int | str, float] = {}
        self.interval = self.base_interval
        self.chat_interval = chat_interval
        # Groups and channels (negative ids): Telegram allows about 20 messages a minute.
        self.group_interval = max(group_interval, chat_interval)
        self._clock = clock
        self._sleep = sleep
        self._next = float("-inf")  # when the next send's slot opens
        self._turn = asyncio.Lock()  # senders wait their turn in arrival order
        self._paused_until = 0.0
        self._chat_next: dict[int | str, float] = {}
        self.pauses = 0  # how often every send stopped (a flood of 429s), for the figures

    async def acquire(
        self, chat_id: int | str, *, wait_for_chat: bool = True, in_flight: bool = False
    ) -> Slot:
        """Wait for this chat's turn (unless ``wait_for_chat`` is false), then for a global slot.

        Either way the chat's next turn moves ``chat_interval`` on from now. With
        ``in_flight``, call ``done()`` on the slot returned once the send was answered.
        """
        while wait_for_chat:
            # Looked at again after the wait: a 429 meanwhile may have pushed the turn back.
            wait = self._chat_next.get(chat_id, 0.0) - self._clock()
            if wait <= 0:
                break
            await self._sleep(wait)
        arrived = self._clock()
        async with self._turn:
            while True:
                now = self._clock()
                at = max(self._next, self._paused_until)
                if len(self._starts) == self._starts.maxlen:
                    first = self._starts[0]
                    reached = min(first.reached, first.started + self.max_flight)
                    at = max(at, reached + self.window)
                if at <= now:
                    break
                await self._sleep(at - now)
            # Waiting for this slot: the next one is due a slot after it, even if this one was
            # taken late (within ``catch_up``); not waiting: a slot after now.
            slot = max(at, now - self.catch_up) if arrived < at else now
            self._next = slot + self.interval
            turn = Slot(
                now, lambda slot: self._answered(slot, chat_id), in_flight=in_flight
            )  # fmt: skip
            self._starts.append(turn)
        self._chat_next[chat_id] = now + self._chat_gap(chat_id)
        if len(self._chat_next) > 20_000:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
        return turn

    def _chat_gap(self, chat_id: int | str) -> float:
        # Groups and channels have negative ids.
        is_group = isinstance(chat_id, int) and chat_id < 0
        return self.group_interval if is_group else self.chat_interval

    def _answered(self, slot: Slot, chat_id: int | str) -> None:
        """Count an answered send from its answer: in the window, and for its chat's next turn
        (a request written late must not reach Telegram close behind the chat's next one)."""
        slot.reached = self._clock()
        turn = slot.reached + self._chat_gap(chat_id)
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), turn)

    async def resume(self) -> None:
        """Wait until a pause after a 429 is over (for calls that send nothing to a chat)."""
        wait = self._paused_until - self._clock()
        if wait > 0:
            await self._sleep(wait)

    def pause_chat(self, chat_id: int | str, seconds: float) -> None:
        """Hold back one chat after its 429, or everything when several chats got one."""
        now = self._clock()
        self._limited_chats = {
            c: t for c, t in self._limited_chats.items() if now - t < self.flood_window
        }
        self._limited_chats[chat_id] = now
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), now + seconds)
        if len(self._limited_chats) >= self.flood_chats:
            self.pause(seconds)

    def pause(self, seconds: float) -> None:
        """Stop every send for ``seconds``; slow down by a fifth unless already paused.

        The 429s of sends that were under way when the first one came belong to the same
        overrun: counting each would slow the pace several times over for one burst.
        """
        now = self._clock()
        if now >= self._paused_until:
            self.pauses += 1
            self.interval = min(self.interval * 1.2, self.base_interval * 4)
        self._paused_until = max(self._paused_until, now + seconds)

    def succeeded(self) -> None:
        """Let the pace recover towards the configured rate."""
        if self.interval > self.base_interval:
            self.interval = max(self.base_interval, self.interval * 0.98)


class SharedRateLimiter(BaseRateLimiter[dict[str, Any]]):
    """Pace the Application's own calls (command replies, button answers) with ``limiter``.

    Replies and the outbox worker then share one budget of Telegram's limits, and a 429 on a
    reply waits ``retry_after`` and tries again instead of failing the command. Sends marked
    PACED (the worker's, already paced, which handle their 429s themselves) pass straight through.

    A reply takes a global slot but does not wait a second behind the chat's previous message:
    it answers something the user just sent, Telegram tolerates such short bursts in one chat,
    and a bot that answers every command a second late feels broken. It still pushes the chat's
    next outbox message a second back.
    """

    def __init__(self, limiter: RateLimiter, *, max_retries: int = 2, max_wait: float = 60.0):
        self.limiter = limiter
        self.max_retries = max_retries
        self.max_wait = max_wait

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: dict[str, Any] | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Wait for the chat's turn (or out a pause), call, and retry after a 429."""
        if rate_limit_args and rate_limit_args.get("paced"):
            return await callback(*args, **kwargs)
        chat_id = data.get("chat_id")
        attempt = 0
        while True:
            if isinstance(chat_id, int | str):
                await self.limiter.acquire(chat_id, wait_for_chat=False)
            else:
                await self.limiter.resume()
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = retry_seconds(exc)
                self.limiter.pause(wait)
                attempt += 1
                if attempt > self.max_retries or wait > self.max_wait:
                    raise
                log.info("%s hit Telegram's rate limit; retrying in %.1fs", endpoint, wait)


class JSONRequest(HTTPXRequest):
    """The Bot API connection, sending calls without files as a JSON body.

    PTB form-encodes them, and urllib quotes a long message byte by byte in Python: about a
    quarter of the bot's CPU per delivered digest. Telegram takes either form.
    """

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Post ``request_data`` as JSON (with files, as PTB does); see BaseRequest.do_request."""
        if request_data is None or request_data.contains_files:
            return await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout,
                pool_timeout,
            )  # fmt: skip
        client = self._client
        if client.is_closed:
            raise RuntimeError("This HTTPXRequest is not initialized!")

        def given(value: ODVInput[float], default: float | None) -> float | None:
            return default if isinstance(value, DefaultValue) else value

        timeout = httpx.Timeout(
            connect=given(connect_timeout, client.timeout.connect),
            read=given(read_timeout, client.timeout.read),
            write=given(write_timeout, client.timeout.write),
            pool=given(pool_timeout, client.timeout.pool),
        )
        try:
            response = await client.request(
                method=method,
                url=url,
                headers={"User-Agent": self.USER_AGENT, "Content-Type": "application/json"},
                timeout=timeout,
                content=json.dumps(request_data.parameters).encode(),
            )
        except httpx.TimeoutException as err:
            if isinstance(err, httpx.PoolTimeout):
                raise TimedOut(
                    "Pool timeout: all connections in the pool are busy; the request was not sent"
                ) from err
            raise TimedOut from err
        except httpx.HTTPError as err:  # the base class last, as PTB does
            raise NetworkError(f"httpx.{err.__class__.__name__}: {err}") from err
        return response.status_code, response.content
