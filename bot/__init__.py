"""briefbot: turns a stream of news into short, honest event briefings."""

__version__ = "0.1.0"
