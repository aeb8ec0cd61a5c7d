"""Abuse protection (issue 12): bans decided by an operator, supervisors' ⛔ flags, and per-person limits on how
fast messages come (a flood is slowed with one polite notice)."""
