"""Supervision: registration, membership, triage buttons, case commands, relayed questions. Handlers: routes.register."""
