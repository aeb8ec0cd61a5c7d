"""Reporting: the report conversation (/lapor), its steps, and /status and /laporansaya. Handlers: routes.register."""
