"""Persistence: SQLModel tables, repositories returning plain dataclasses, migrations."""
