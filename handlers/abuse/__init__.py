"""Abuse protection's handlers: the gate every private update passes (bans, floods), and the CLI-free parts."""
