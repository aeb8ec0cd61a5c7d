"""Abuse protection's tables: bans, supervisors' flags and their log (migration 0018)."""
