"""A host name is resolved once per connection, and the connection goes to the address that
was checked: a DNS server that answers "public" to the check and "loopback" to the connect
(DNS rebinding) gets nowhere."""

from __future__ import annotations

import pytest

from bot.ingest.fetch import Fetcher, FetchError
from tests.fakes.feeds import FakeFeedServer


class StubDns:
    """Answer with ``answers`` in turn (the last one repeats), counting the questions."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.questions: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.questions.append(host)
        return self.answers[min(len(self.questions), len(self.answers)) - 1]


async def test_one_answer_serves_the_check_and_the_connection(server: FakeFeedServer) -> None:
    # Rebinding answers "public" to the check and "private" to a second question; with one
    # question per connection there is no second answer to act on. Loopback only: a second
    # question would be answered with an address nothing listens on.
    server.static("/feed", b"<rss/>", "application/rss+xml")
    dns = StubDns(["127.0.0.1"], ["127.0.0.3"])
    fetcher = Fetcher(max_bytes=100_000, allow_private=True, timeout=1.0, resolver=dns)
    try:
        result = await fetcher.get(f"http://news.rebind.test:{server.port}/feed")
    finally:
        await fetcher.close()
    assert result.content == b"<rss/>" and server.hits["/feed"] == 1
    assert dns.questions == ["news.rebind.test"]  # one answer, used for check and connection


async def test_a_name_resolving_to_loopback_is_refused_before_connecting(
    server: FakeFeedServer,
) -> None:
    server.static("/feed", b"<rss/>", "application/rss+xml")
    dns = StubDns(["127.0.0.1"])
    fetcher = Fetcher(max_bytes=100_000, allow_private=False, resolver=dns)
    try:
        with pytest.raises(FetchError, match="private, loopback or reserved"):
            await fetcher.get(f"http://feed.example.test:{server.port}/feed")
    finally:
        await fetcher.close()
    assert server.hits["/feed"] == 0


async def test_the_connection_goes_to_the_address_the_check_saw(server: FakeFeedServer) -> None:
    server.static("/feed", b"<rss/>", "application/rss+xml")
    dns = StubDns(["127.0.0.1"])  # a name the system resolver has never heard of
    fetcher = Fetcher(max_bytes=100_000, allow_private=True, resolver=dns)
    try:
        result = await fetcher.get(f"http://feed.example.test:{server.port}/feed")
    finally:
        await fetcher.close()
    assert result.content == b"<rss/>" and server.hits["/feed"] == 1
    assert dns.questions == ["feed.example.test"]
