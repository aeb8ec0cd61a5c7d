"""Storage of supervision: groups and codes, cases and transitions, alerts, cards and awaited replies."""
