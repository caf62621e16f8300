"""Application services: one per use case, called by both the CLI and the Telegram handlers."""
