"""Storage of the inbox (updates not yet processed) and the outbox (messages that must arrive)."""
