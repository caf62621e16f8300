"""The delivery worker: claim due outbox messages, send them in order per chat, record the outcome.

Guarantees. A message is queued with an idempotency key (insert-if-absent), so queueing twice
sends once. The worker claims it in its own transaction (state "sending" with a lease), sends it,
then marks it "sent" with Telegram's message id in another transaction. If the process dies
between Telegram's acknowledgement and that mark, or a send times out after Telegram accepted it,
the lease expires and the message is sent again: delivery is exactly once as far as the Bot API
acknowledges, and at least once across a crash in that window (a few milliseconds per message).
Nothing is dropped except for chats that blocked the bot or no longer exist ("dead").

Database trouble (a lock, a restart, a full disk) never ends the worker: a failed claim is
retried with backoff, and a failed "sent" mark is retried until it is stored while the message
stays marked as sent in memory, so it is not sent again (its chat waits meanwhile).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from telegram import Bot

from bot.delivery.sender import Delivery, RateLimiter, Result, send_message
from bot.health import Health
from bot.times import utcnow
from storage.db import describe_error
from storage.records import OutboxRecord
from storage.unit_of_work import Database

log = logging.getLogger(__name__)


@dataclass
class WorkerStats:
    sent: int = 0
    rate_limited: int = 0
    retried: int = 0
    dead: int = 0
    plain_fallbacks: int = 0
    chats_gone: set[int] = field(default_factory=set)


@dataclass
class _Lane:
    """The messages of one chat claimed together, sent one after another."""

    messages: list[OutboxRecord]
    sending: bool = False
    task: asyncio.Task[None] | None = None


class OutboxWorker:
    """Deliver the outbox: ~``per_second`` overall, one message per chat per ``chat_interval``."""

    def __init__(
        self,
        db: Database,
        bot: Bot,
        *,
        limiter: RateLimiter | None = None,
        clock: Callable[[], datetime] = utcnow,
        lease: timedelta = timedelta(minutes=2),
        max_in_flight: int = 64,
        idle_poll: float = 1.0,
        backoff_base: float = 2.0,
        backoff_cap: float = 3600.0,
        db_retry_base: float = 0.5,
        db_retry_cap: float = 30.0,
        stop_grace: float = 10.0,
        health: Health | None = None,
        owner: str | None = None,
        may_claim: Callable[[], bool] = lambda: True,
        dead_after: timedelta = timedelta(seconds=10),
        alive: Callable[[], bool] = lambda: True,
        ack_delay: float = 0.25,
        ack_batch: int = 32,
    ) -> None:
        self.db = db
        # Several processes on one database: claims carry ``owner``, only the process that
        # ``may_claim`` (holds the delivery role) claims, and each send checks its claim first.
        self.owner = owner
        self.may_claim = may_claim
        self.dead_after = dead_after
        # False while this process's own heartbeat is old (it was paused): others may have
        # taken its claims over, so it sends nothing until it has checked again.
        self.alive = alive
        self.bot = bot
        self.limiter = limiter or RateLimiter()
        self.clock = clock
        self.lease = lease
        self.max_in_flight = max_in_flight
        self.idle_poll = idle_poll
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.db_retry_base = db_retry_base
        self.db_retry_cap = db_retry_cap
        self.stop_grace = stop_grace
        self.health = health
        self.stats = WorkerStats()
        # Sent messages are marked in batches: the first waits up to ``ack_delay`` seconds for
        # others (at most ``ack_batch``), then one transaction marks them all. A database write
        # per message cost more of the event loop than the send itself.
        self.ack_delay = ack_delay
        self.ack_batch = ack_batch
        self._acks: list[tuple[OutboxRecord, int, asyncio.Future[bool]]] = []
        self._acks_full = asyncio.Event()
        self._ack_writer: asyncio.Task[None] | None = None
        # Outcomes Telegram gave that are not stored yet (waiting for their batch, or the
        # database failed): by message id.
        self._unrecorded: dict[int, OutboxRecord] = {}
        self._wake = asyncio.Event()
        self._lanes: dict[int, _Lane] = {}
        self._stopping = False

    def wake(self) -> None:
        """Look for due messages now instead of at the next poll."""
        self._wake.set()

    def backoff(self, attempts: int) -> timedelta:
        """Return the wait before retry number ``attempts`` (exponential, capped)."""
        seconds = self.backoff_base * 2 ** max(0, min(attempts - 1, 20))
        return timedelta(seconds=min(seconds, self.backoff_cap))

    def _db_wait(self, failures: int) -> float:
        """Return the wait before trying the database again after ``failures`` failures."""
        return float(min(self.db_retry_cap, self.db_retry_base * 2 ** min(failures - 1, 20)))

    def _db_failed(self, what: str, exc: Exception, failures: int) -> float:
        wait = self._db_wait(failures)
        error = describe_error(exc)
        log.warning("delivery: %s failed (%s); trying again in %.1fs", what, error, wait)
        if self.health is not None:
            self.health.failing("outbox", f"{what}: {error}")
        return wait

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; then finish sends under way and requeue the rest."""
        stopper = asyncio.ensure_future(stop.wait())
        failures = 0
        try:
            while not stop.is_set():
                try:
                    claimed = await self._fill()
                except Exception as exc:  # the database is locked, down or full: wait, retry
                    failures += 1
                    wait = self._db_failed("claiming due messages", exc, failures)
                    await asyncio.wait({stopper}, timeout=wait)
                    continue
                failures = 0
                if self.health is not None and not self._unrecorded:
                    self.health.running("outbox")
                if claimed:
                    continue
                waker = asyncio.ensure_future(self._wake.wait())
                timeout = None if self._lanes else self.idle_poll
                await asyncio.wait({waker, stopper}, timeout=timeout, return_when="FIRST_COMPLETED")
                waker.cancel()
                self._wake.clear()
        except asyncio.CancelledError:
            # Cancelled outright (like a crash): claimed messages wait for their lease to expire.
            for lane in self._lanes.values():
                if lane.task:
                    lane.task.cancel()
            raise
        finally:
            stopper.cancel()
        await self._stop_lanes()

    async def drain(self) -> None:
        """Deliver until nothing is due or in flight (tests, one-shot runs)."""
        while True:
            claimed = await self._fill()
            if not claimed and not self._lanes:
                return
            if not claimed:
                tasks = [lane.task for lane in self._lanes.values() if lane.task]
                await asyncio.wait(tasks, return_when="FIRST_COMPLETED")

    async def _fill(self) -> int:
        """Claim due messages for chats not already in flight and start their lanes."""
        room = self.max_in_flight - len(self._lanes)
        if room < max(1, self.max_in_flight // 4) or not self.may_claim():
            return 0
        now = self.clock()
        # A chat whose last outcome is not stored yet waits: its message must not go twice.
        busy = set(self._lanes) | {m.chat_id for m in self._unrecorded.values()}
        async with self.db.unit_of_work() as uow:
            batch = await uow.outbox.claim(
                now,
                lease_until=now + self.lease,
                limit=room,
                exclude_chats=sorted(busy),
                owner=self.owner,
                dead_after=self.dead_after,
            )
        for msg in batch:
            lane = self._lanes.get(msg.chat_id)
            if lane is None:
                lane = self._lanes[msg.chat_id] = _Lane([])
            lane.messages.append(msg)
        for chat_id, lane in self._lanes.items():
            if lane.task is None:
                lane.task = asyncio.create_task(self._run_lane(chat_id, lane))
        return len(batch)

    async def _run_lane(self, chat_id: int, lane: _Lane) -> None:
        try:
            while lane.messages and not self._stopping:
                msg = lane.messages[0]
                slot = await self.limiter.acquire(chat_id, in_flight=True)
                try:
                    if self.owner is not None and not await self._still_mine(msg):
                        lane.messages.clear()  # taken over: the new claimer sends them, in order
                        break
                    lane.sending = True
                    target = await self._target(msg)
                    delivery = await self._send(msg, target=target)
                finally:
                    slot.done()
                if delivery.result is Result.BAD_MARKUP:
                    self.stats.plain_fallbacks += 1
                    log.error(
                        "outbox message %s is not valid Telegram HTML (a renderer bug): %s; "
                        "sending it as plain text",
                        msg.idempotency_key,
                        delivery.error,
                    )
                    slot = await self.limiter.acquire(chat_id, in_flight=True)
                    try:
                        delivery = await self._send(msg, plain=True, target=target)
                    finally:
                        slot.done()
                if delivery.result is Result.RATE_LIMITED:
                    lane.sending = False
                    self.stats.rate_limited += 1
                    self.limiter.pause_chat(chat_id, delivery.retry_after)
                    continue  # the same message again, after the pause
                # The chat's next message should not wait for a batch of acknowledgements.
                urgent = len(lane.messages) > 1
                keep_going = await asyncio.shield(
                    self._record_until_stored(msg, delivery, urgent=urgent)
                )
                lane.sending = False
                lane.messages.pop(0)
                if not keep_going:
                    lane.messages.clear()  # _record rescheduled or dropped the rest
        finally:
            self._lanes.pop(chat_id, None)
            self._wake.set()

    async def _still_mine(self, msg: OutboxRecord) -> bool:
        """Tell whether this process still holds its claim on ``msg`` (asking until the
        database answers): a process paused past its lease must not send what another took."""
        assert self.owner is not None
        failures = 0
        while not self._stopping:
            if not self.alive():
                await asyncio.sleep(0.2)
                continue
            try:
                async with self.db.unit_of_work() as uow:
                    mine = await uow.outbox.still_claimed(msg.id, owner=self.owner)
            except Exception as exc:
                failures += 1
                await asyncio.sleep(self._db_failed("checking a claim", exc, failures))
                continue
            if not self.alive():  # paused during the check: its answer may be stale
                continue
            if not mine:
                log.warning("outbox message %s was taken over; not sending it", msg.idempotency_key)
            return mine
        return False

    async def _target(self, msg: OutboxRecord) -> int | None:
        """Return Telegram's id of the message ``msg`` replies to or edits, once it was sent."""
        if msg.target_key is None:
            return None
        async with self.db.unit_of_work() as uow:
            return await uow.outbox.get_telegram_message_id(msg.target_key)

    async def _send(
        self, msg: OutboxRecord, *, plain: bool = False, target: int | None = None
    ) -> Delivery:
        """Send once; an unexpected error is a transient failure, not the end of the lane."""
        try:
            return await send_message(self.bot, msg, plain=plain, target=target)
        except Exception as exc:
            log.exception("sending %s raised", msg.idempotency_key)
            return Delivery(Result.TRANSIENT, error=f"{type(exc).__name__}: {exc}"[:300])

    async def _record_until_stored(
        self, msg: OutboxRecord, delivery: Delivery, *, urgent: bool = False
    ) -> bool:
        """Store a send's outcome, retrying while the database fails; return whether the
        chat's next message may follow.

        Until it is stored, the message is kept in memory (its chat is not claimed again), so
        a message Telegram accepted is not sent twice. On stop, the retries end after
        ``stop_grace`` seconds: the message is then sent again after a restart (the
        documented window).
        """
        self._unrecorded[msg.id] = msg
        try:
            if delivery.result is Result.SENT:
                assert delivery.message_id is not None
                return await self._acknowledge(msg, delivery.message_id, urgent=urgent)
            return await self._until_stored(
                lambda: self._record(msg, delivery),
                f"recording {msg.idempotency_key}",
                f"that {msg.idempotency_key} was {delivery.result.value}",
            )
        finally:
            self._unrecorded.pop(msg.id, None)

    async def _until_stored(
        self, write: Callable[[], Awaitable[bool]], what: str, lost: str
    ) -> bool:
        """Run ``write`` until the database takes it (on stop, for ``stop_grace`` seconds)."""
        failures = 0
        gave_up_at: float | None = None
        loop = asyncio.get_running_loop()
        while True:
            try:
                keep_going = await write()
            except Exception as exc:
                failures += 1
                wait = self._db_failed(what, exc, failures)
                if self._stopping:
                    gave_up_at = gave_up_at or loop.time() + self.stop_grace
                    if loop.time() >= gave_up_at:
                        log.error(
                            "stopping without recording %s; it may be sent again after a restart",
                            lost,
                        )
                        return False
                await asyncio.sleep(wait)
                continue
            if failures and self.health is not None:
                self.health.running("outbox")
            return keep_going

    async def _acknowledge(self, msg: OutboxRecord, telegram_id: int, *, urgent: bool) -> bool:
        """Mark ``msg`` sent in the next batch (stored at once when ``urgent``); return once
        that batch is stored."""
        done: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._acks.append((msg, telegram_id, done))
        if urgent or len(self._acks) >= self.ack_batch:
            self._acks_full.set()
        if self._ack_writer is None or self._ack_writer.done():
            self._ack_writer = asyncio.create_task(self._write_acks())
        return await done

    async def _write_acks(self) -> None:
        """Store the waiting acknowledgements, a batch at a time, until none is left."""
        while self._acks:
            if len(self._acks) < self.ack_batch and not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._acks_full.wait(), self.ack_delay)
            batch, self._acks = self._acks[: self.ack_batch], self._acks[self.ack_batch :]
            if len(self._acks) < self.ack_batch:
                self._acks_full.clear()
            stored = await self._until_stored(
                functools.partial(self._mark_sent, batch),
                f"recording {len(batch)} sent message(s)",
                f"that {len(batch)} message(s) were sent",
            )
            for _, _, done in batch:
                if not done.done():
                    done.set_result(stored)

    async def _mark_sent(self, batch: list[tuple[OutboxRecord, int, asyncio.Future[bool]]]) -> bool:
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            await uow.outbox.mark_sent_many([(m.id, t) for m, t, _ in batch], now=now)
        self.stats.sent += len(batch)
        for _ in batch:
            self.limiter.succeeded()
        return True

    async def _record(self, msg: OutboxRecord, delivery: Delivery) -> bool:
        """Store the outcome of a send that failed; return whether the chat's next message may
        follow."""
        now = self.clock()
        async with self.db.unit_of_work() as uow:
            if delivery.result is Result.TRANSIENT:
                self.stats.retried += 1
                wait = self.backoff(msg.attempts)
                log.warning(
                    "sending %s failed (%s); retry %d in %.0fs",
                    msg.idempotency_key,
                    delivery.error,
                    msg.attempts,
                    wait.total_seconds(),
                )
                await uow.outbox.retry_later(
                    msg.id, at=now + wait, error=delivery.error, owner=self.owner
                )
                return False
            if delivery.result is Result.MIGRATED:
                assert delivery.new_chat_id is not None
                moved = await uow.subscribers.move_chat(msg.chat_id, delivery.new_chat_id)
                queued = await uow.outbox.move_chat(msg.chat_id, delivery.new_chat_id, now=now)
                log.info(
                    "chat %s is now %s: subscriber %s, %d message(s) follow it",
                    msg.chat_id,
                    delivery.new_chat_id,
                    "moved" if moved else "not moved",
                    queued,
                )
                return False
            if delivery.result is Result.CHAT_GONE:
                self.stats.chats_gone.add(msg.chat_id)
                await uow.subscribers.deactivate(msg.chat_id)
                dropped = await uow.outbox.drop_chat(msg.chat_id, error=delivery.error)
                self.stats.dead += dropped
                log.info(
                    "chat %s is gone (%s): unsubscribed, %d message(s) dropped",
                    msg.chat_id,
                    delivery.error,
                    dropped,
                )
                return False
            # REJECTED (or plain text refused too): Telegram will never take this message.
            self.stats.dead += 1
            log.error("Telegram refused %s: %s", msg.idempotency_key, delivery.error)
            await uow.outbox.mark_dead(msg.id, error=delivery.error)
            return True

    async def _stop_lanes(self) -> None:
        """Let sends under way finish; put messages not yet sent back in the queue."""
        self._stopping = True
        self._acks_full.set()  # store the acknowledgements waiting for their batch now
        lanes = list(self._lanes.values())
        for lane in lanes:
            if lane.task and not lane.sending:
                lane.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(
                *(lane.task for lane in lanes if lane.task), return_exceptions=True
            )
        unsent = [m.id for lane in lanes for m in lane.messages]
        self._stopping = False
        if unsent:
            try:
                async with self.db.unit_of_work() as uow:
                    await uow.outbox.release(unsent, at=self.clock(), owner=self.owner)
            except Exception as exc:
                # Their leases run out instead: the next start sends them (none was sent yet).
                log.warning("could not requeue %d message(s): %s", len(unsent), describe_error(exc))
                return
            log.info("delivery stopped: %d message(s) stay queued", len(unsent))
