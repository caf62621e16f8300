"""Fakes the tests run the real code against: the Bot API and feeds over HTTP, clocks, faults."""
