"""Presentation, pure: terminal text, stable JSON, Telegram HTML, message splitting, keyboards."""
