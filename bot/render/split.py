"""Split Telegram HTML into messages at section, paragraph, line, sentence or word boundaries."""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_MESSAGE = 4096
_TOKEN = re.compile(r"<[^>]*>|&#?\w+;|.", re.DOTALL)
_TAG_NAME = re.compile(r"</?\s*([a-zA-Z-]+)")


def units(message: str) -> int:
    """Return the length Telegram counts (UTF-16 code units), never less than ``len``."""
    return len(message.encode("utf-16-le")) // 2


def split_html_sections(sections: Sequence[str], limit: int = MAX_MESSAGE) -> list[str]:
    """Pack whole sections into messages of at most ``limit``; split only oversized sections."""
    messages: list[str] = []
    current = ""
    for section in sections:
        if not section.strip():
            continue
        pieces = [section] if units(section) <= limit else _split_section(section, limit)
        for piece in pieces:
            joined = f"{current}\n\n{piece}" if current else piece
            if units(joined) <= limit:
                current = joined
            else:
                messages.append(current)
                current = piece
    if current:
        messages.append(current)
    return messages


def _split_section(section: str, limit: int) -> list[str]:
    """Split one section at the best boundary, closing and reopening tags across the cut."""
    tokens = _TOKEN.findall(section)
    pieces: list[str] = []
    stack: list[tuple[str, str]] = []  # (name, opening tag) of the tags open at ``start``
    start = 0
    while start < len(tokens):
        prefix = "".join(opening for _, opening in stack)
        state = list(stack)
        length = units(prefix)
        end = start
        # The latest break of each kind: 3 paragraph, 2 line, 1 sentence, 0 word.
        breaks: dict[int, tuple[int, list[tuple[str, str]], int]] = {}
        while end < len(tokens):
            token = tokens[end]
            after = _apply(state, token)
            if length + units(token) + _closers_units(after) > limit:
                break
            state, length, end = after, length + units(token), end + 1
            kind = _break_kind(tokens, end)
            if kind is not None:
                breaks[kind] = (end, list(state), length)
        if end == len(tokens):
            pieces.append(prefix + "".join(tokens[start:]) + _closers(state))
            break
        cut, cut_state = end, state
        for kind in (3, 2, 1, 0):
            if kind in breaks and breaks[kind][2] >= limit // 2:
                cut, cut_state, _ = breaks[kind]
                break
        if cut == start:  # nothing fits, not even one token: give up on this token
            cut, cut_state = start + 1, _apply(stack, tokens[start])
        piece = prefix + "".join(tokens[start:cut]) + _closers(cut_state)
        if _visible(piece).strip():
            pieces.append(piece)
        start, stack = cut, cut_state
        while start < len(tokens) and tokens[start].isspace():
            start += 1
    return pieces


def _break_kind(tokens: list[str], end: int) -> int | None:
    """Classify the boundary just before ``tokens[end]``."""
    previous = tokens[end - 1]
    following = tokens[end] if end < len(tokens) else ""
    if previous == "\n":
        return 3 if end >= 2 and tokens[end - 2] == "\n" else 2
    if previous == " " and end >= 2 and tokens[end - 2] in {".", "!", "?", "…"}:
        return 1
    if previous == " " and following != " ":
        return 0
    return None


def _apply(stack: list[tuple[str, str]], token: str) -> list[tuple[str, str]]:
    if not token.startswith("<") or len(token) == 1:
        return stack
    match = _TAG_NAME.match(token)
    if match is None:
        return stack
    name = match.group(1).lower()
    if token.startswith("</"):
        for index in range(len(stack) - 1, -1, -1):
            if stack[index][0] == name:
                return stack[:index] + stack[index + 1 :]
        return stack
    return [*stack, (name, token)]


def _closers(stack: list[tuple[str, str]]) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _closers_units(stack: list[tuple[str, str]]) -> int:
    return sum(len(name) + 3 for name, _ in stack)


def _visible(html: str) -> str:
    return re.sub(r"<[^>]*>", "", html)
