"""The fake Bot API in a process of its own, so the bot's CPU is measured without the server's.

``python -m benchmarks.fake_api_process PER_SECOND RANDOM_429 RANDOM_500`` starts the fake,
prints its address on one line, serves until its standard input is closed, then prints what it
accepted and refused as one JSON line: ``sent`` as [chat_id, sha1 of the text, at] and ``refused`` as
[chat_id, status, at] (``at`` from time.monotonic, comparable with the bot process's clock on
the same machine).
"""

from __future__ import annotations

import asyncio
import json
import sys

from benchmarks.bench_delivery import text_key


async def _serve(per_second: float, random_429: float, random_500: float) -> None:
    from tests.fakes.telegram import FakeTelegram

    fake = await FakeTelegram(
        per_second=per_second, random_429=random_429, random_500=random_500
    ).start()
    print(fake.api_url, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the bot closes our stdin
    await fake.close()
    print(
        json.dumps(
            {
                "sent": [[s.chat_id, text_key(s.text), s.at] for s in fake.sent],
                "refused": [[r.chat_id, r.status, r.at] for r in fake.refused],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(_serve(*(float(a) for a in sys.argv[1:4])))
