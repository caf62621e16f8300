"""RateLimiter and SharedRateLimiter with a fake clock: pace, per-chat turns, pauses, retries."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.delivery.sender import PACED, RateLimiter, SharedRateLimiter


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def _limiter(time: FakeTime, **kwargs: Any) -> RateLimiter:
    return RateLimiter(clock=time.clock, sleep=time.sleep, **kwargs)


async def test_sends_are_spaced_overall_and_per_chat() -> None:
    time = FakeTime()
    limiter = _limiter(time, per_second=10, chat_interval=1.0)
    starts = []
    for chat in (1, 2, 3, 1):
        await limiter.acquire(chat)
        starts.append(round(time.now, 3))
    # Three chats 0.1 s apart; chat 1 again only a second after its first message.
    assert starts == [0.0, 0.1, 0.2, 1.0]


async def test_a_reply_does_not_wait_for_its_chat_but_pushes_the_next_send_back() -> None:
    time = FakeTime()
    limiter = _limiter(time, per_second=10, chat_interval=1.0)
    await limiter.acquire(1)
    await limiter.acquire(1, wait_for_chat=False)
    assert round(time.now, 3) == 0.1  # only the global slot
    await limiter.acquire(1)
    assert round(time.now, 3) == 1.1  # a second after the reply


async def test_a_pause_stops_everything_and_slows_the_pace_once_per_burst() -> None:
    time = FakeTime()
    limiter = _limiter(time, per_second=10, chat_interval=0.0)
    await limiter.acquire(1)
    limiter.pause(2.0)
    limiter.pause(2.0)  # a second 429 from a send already under way: same overrun
    assert limiter.interval == pytest.approx(0.12)
    await limiter.acquire(2)
    assert time.now == pytest.approx(2.0)
    await limiter.acquire(3)
    assert time.now == pytest.approx(2.12)
    limiter.pause(1.0)  # a new overrun after the pause: slower again
    assert limiter.interval == pytest.approx(0.144)
    for _ in range(20):
        limiter.succeeded()
    assert limiter.interval == pytest.approx(0.1)


async def test_a_429_holds_back_only_its_chat_for_as_long_as_telegram_says() -> None:
    time = FakeTime()
    limiter = _limiter(time, per_second=10, chat_interval=1.0)
    await limiter.acquire(1)
    limiter.pause_chat(1, 5.0)
    starts = []
    for chat in (2, 3, 1, 4):
        await limiter.acquire(chat)
        starts.append(round(time.now, 3))
    # The others keep the pace (no second-long breather for everyone); chat 1 waits its 5 s.
    assert starts == [0.1, 0.2, 5.0, 5.1]
    assert limiter.interval == pytest.approx(0.1)


async def test_429s_for_several_chats_at_once_pause_everything_and_slow_down() -> None:
    time = FakeTime()
    limiter = _limiter(time, per_second=10, chat_interval=0.0, flood_chats=3)
    for chat in (1, 2, 3):
        await limiter.acquire(chat)
        limiter.pause_chat(chat, 2.0)
    await limiter.acquire(4)
    # The third chat's 429 came at 0.2 s: everyone waits Telegram's 2 s from then.
    assert time.now == pytest.approx(2.2)
    assert limiter.interval == pytest.approx(0.12)


async def test_shared_limiter_retries_a_reply_after_retry_after() -> None:
    time = FakeTime()
    shared = SharedRateLimiter(_limiter(time, per_second=10, chat_interval=1.0))
    calls: list[float] = []

    async def send(*args: Any, **kwargs: Any) -> dict[str, Any]:
        calls.append(time.now)
        if len(calls) == 1:
            raise RetryAfter(timedelta(seconds=3))
        return {"ok": True}

    result = await shared.process_request(send, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert result == {"ok": True}
    assert calls == [0.0, pytest.approx(3.0)]


async def test_shared_limiter_gives_up_on_long_waits_and_passes_paced_sends() -> None:
    time = FakeTime()
    limiter = _limiter(time, per_second=10, chat_interval=1.0)
    shared = SharedRateLimiter(limiter, max_wait=60.0)

    async def flood(*args: Any, **kwargs: Any) -> bool:
        raise RetryAfter(timedelta(seconds=600))

    with pytest.raises(RetryAfter):
        await shared.process_request(flood, (), {}, "sendMessage", {"chat_id": 5}, None)
    assert time.now == 0.0  # did not sit out ten minutes inside a command

    async def sent(*args: Any, **kwargs: Any) -> bool:
        return True

    # The worker waited for its turn itself: no second wait, even during the pause.
    assert await shared.process_request(sent, (), {}, "sendMessage", {"chat_id": 5}, PACED)
    assert time.now == 0.0
    # A call to no chat (answerCallbackQuery) waits the pause out, nothing more.
    assert await shared.process_request(sent, (), {}, "answerCallbackQuery", {}, None)
    assert time.now == pytest.approx(600.0)


class LateTime(FakeTime):
    """A clock whose sleeps end ``late`` seconds after they should, as on a busy machine."""

    def __init__(self, late: float) -> None:
        super().__init__()
        self.late = late

    async def sleep(self, seconds: float) -> None:
        self.now += seconds + self.late


async def test_a_late_wake_up_does_not_lose_its_slot() -> None:
    time = LateTime(0.05)
    limiter = _limiter(time, per_second=10, chat_interval=0.0)
    starts = []
    for chat in range(1, 21):
        await limiter.acquire(chat)
        starts.append(time.now)
    # Every wake-up is half a slot late, yet twenty sends take twenty slots, not thirty.
    assert starts[-1] == pytest.approx(1.95)


async def test_catching_up_never_puts_more_sends_in_a_window_than_allowed() -> None:
    time = LateTime(0.0)
    limiter = _limiter(time, per_second=10, chat_interval=0.0, window_sends=10, window=1.0)
    starts = []
    for chat in range(1, 101):
        time.late = 0.3 if chat % 7 == 0 else 0.0  # now and then a long stall
        await limiter.acquire(chat)
        starts.append(time.now)
    assert all(b - a >= 1.0 - 1e-9 for a, b in zip(starts, starts[10:], strict=False))
    # Each 0.3 s stall costs 0.2 s, not 0.3: its first 0.1 s of slots is caught up.
    assert starts[-1] == pytest.approx(9.9 + 14 * 0.2)


async def test_idle_time_is_not_saved_up_for_a_burst() -> None:
    time = FakeTime()
    limiter = _limiter(time, per_second=10, chat_interval=0.0)
    await limiter.acquire(1)
    time.now = 5.0  # nothing to send for a while
    await limiter.acquire(2)
    await limiter.acquire(3)
    assert time.now == pytest.approx(5.1)


async def test_a_send_answered_late_holds_back_the_send_a_window_after_it() -> None:
    """Telegram counts a request when it arrives: one that may have arrived late (answered
    late) moves the send ``window_sends`` after it back, so the window is never overrun."""
    time = FakeTime()
    limiter = _limiter(time, per_second=10, chat_interval=0.0, window_sends=10, window=1.0)
    slots = [await limiter.acquire(chat, in_flight=True) for chat in range(1, 11)]
    assert time.now == pytest.approx(0.9)
    time.now = 0.95
    for slot in slots[1:]:
        slot.done()
    time.now = 0.97
    slots[0].done()  # the first send's answer came 0.97 s after it started
    await limiter.acquire(11, in_flight=True)
    assert time.now == pytest.approx(1.97)
    # Never answered (lost on the way): it counts for at most ``max_flight`` seconds.
    limiter = _limiter(time, per_second=10, chat_interval=0.0, window_sends=2, max_flight=3.0)
    start = time.now
    await limiter.acquire(1, in_flight=True)
    (await limiter.acquire(2, in_flight=True)).done()
    await limiter.acquire(3, in_flight=True)
    assert time.now == pytest.approx(start + 3.0 + 1.002)
