"""The pure briefing core: plain dataclasses in, plain dataclasses out.

Nothing here does I/O, reads the clock or the environment, or imports Telegram, the database
layer or asyncio. ``tests/briefing/test_purity.py`` enforces that.
"""
