"""Repositories, one module per aggregate: take a session, never commit, return plain records."""
