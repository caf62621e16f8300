"""Webhook mode: Telegram's POSTs are handled only with the secret token."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx

SECRET = "s3cret-Token_for-tests"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_webhook_handles_updates_with_the_secret_only(bot_factory: Any) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with (
        bot_factory(
            webhook_url=url, webhook_listen="127.0.0.1", webhook_port=port, webhook_secret=SECRET
        ) as bot,
        httpx.AsyncClient() as client,
    ):
        fake = bot.fake
        assert fake.webhook is not None
        assert (fake.webhook["url"], fake.webhook["secret_token"]) == (url, SECRET)
        assert "getUpdates" not in fake.methods()

        def update(chat_id: int, n: int) -> dict[str, Any]:
            return {"update_id": n, **fake.text_update(chat_id, "/start")}

        wrong = await client.post(
            url, json=update(1, 1), headers={"X-Telegram-Bot-Api-Secret-Token": "guess"}
        )
        missing = await client.post(url, json=update(2, 2))
        assert (wrong.status_code, missing.status_code) == (403, 403)

        right = await client.post(
            url, json=update(3, 3), headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}
        )
        assert right.status_code == 200
        await fake.wait_for(lambda: len(fake.to(3)) == 1)
        assert "Welcome" in fake.to(3)[0].text
        assert fake.to(1) == [] and fake.to(2) == []  # refused at the door, never handled


async def _answer_to_headers_only(port: int, headers: str) -> bytes:
    """Send only the request line and headers of a huge POST; return the first answer line."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(
            f"POST /telegram/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: 90000000\r\n{headers}\r\n".encode()
        )
        await writer.drain()
        async with asyncio.timeout(3):  # the body never comes: only a check before it answers
            return await reader.readline()
    finally:
        writer.close()


async def test_webhook_refuses_big_or_unauthenticated_bodies_before_reading_them(
    bot_factory: Any,
) -> None:
    port = _free_port()
    url = f"http://127.0.0.1:{port}/telegram/hook"
    async with bot_factory(
        webhook_url=url, webhook_listen="127.0.0.1", webhook_port=port, webhook_secret=SECRET
    ):
        stranger = await _answer_to_headers_only(port, "")
        too_big = await _answer_to_headers_only(
            port, f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\n"
        )
    assert stranger.startswith(b"HTTP/1.1 403")
    assert too_big.startswith(b"HTTP/1.1 413")
