"""Voting day (issue 13): polling stations (TPS), their watchers, checklists and results photos."""
