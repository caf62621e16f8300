"""Canonical URLs and the feed URL guard."""

from __future__ import annotations

import pytest

from bot.ingest.urls import canonical_url, feed_name, validate_feed_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.COM/News/a?b=2&a=1#top", "https://example.com/News/a?a=1&b=2"),
        (
            "https://example.com/a?utm_source=rss&utm_medium=x&id=7&fbclid=abc&gclid=1&mc_cid=9",
            "https://example.com/a?id=7",
        ),
        ("https://example.com:443/a?ref=twitter", "https://example.com/a"),
        ("http://example.com:8080", "http://example.com:8080/"),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


def test_feed_name() -> None:
    assert feed_name("https://www.Example.com/feed.xml") == "example.com"
    assert feed_name("http://news.example.org/rss") == "news.example.org"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/feed",
        "http://localhost:8080/feed",
        "http://10.1.2.3/feed",
        "http://192.168.0.1/rss",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/feed",
        "http://0.0.0.0/feed",
        # NAT64 and 6to4 wrappings of loopback, private and cloud metadata addresses
        "http://[64:ff9b::7f00:1]/feed",
        "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",
        "http://[64:ff9b::a00:1]/feed",
        "http://[2002:7f00:1::]/feed",
        "http://[2002:a9fe:a9fe::1]/latest/meta-data",
        "http://[2002:c0a8:1::]/feed",
    ],
)
def test_private_addresses_need_permission(url: str) -> None:
    with pytest.raises(ValueError, match="private, loopback or reserved"):
        validate_feed_url(url, allow_private=False)
    assert validate_feed_url(url, allow_private=True)


@pytest.mark.parametrize("url", ["ftp://example.com/feed", "file:///etc/passwd", "example.com"])
def test_only_web_addresses(url: str) -> None:
    with pytest.raises(ValueError, match="http"):
        validate_feed_url(url, allow_private=True)


def test_public_literal_address_passes_without_dns() -> None:
    assert validate_feed_url(" https://93.184.215.14/feed#x ", allow_private=False) == (
        "https://93.184.215.14/feed"
    )


def test_nat64_and_6to4_of_a_public_address_pass() -> None:
    assert validate_feed_url("http://[64:ff9b::5db8:d70e]/feed", allow_private=False)
    assert validate_feed_url("http://[2002:5db8:d70e::1]/feed", allow_private=False)
