"""Fixtures shared by the ingestion tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_feeds import FakeFeedServer, running_server


@pytest.fixture
def server() -> Iterator[FakeFeedServer]:
    """Serve feeds and article pages over HTTP on loopback for one test."""
    with running_server() as srv:
        yield srv
