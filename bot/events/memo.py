"""A bounded memo of per-article results, so that refreshing an event redoes only what is new."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar, cast

from bot.briefing.model import Article

T = TypeVar("T")


class Memo:
    """A bounded least-recently-used memo of per-article results (claims, version diffs).

    Keys carry the article's version count, and versions are append-only, so an entry never
    goes stale: a new version simply makes a new key.
    """

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, int, int], Any] = OrderedDict()
        # Briefings are built in worker threads; two may share the memo.
        self._lock = threading.Lock()

    def get(
        self, key: tuple[str, int, int], compute: Callable[[Article], T], article: Article
    ) -> T:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return cast(T, self._items[key])
        value = compute(article)
        with self._lock:
            self._items[key] = value
            if len(self._items) > self._size:
                self._items.popitem(last=False)
        return value
