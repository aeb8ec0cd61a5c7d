"""Supervisor groups: registration, routing, case states, alert cards, triage, membership, reminders."""
