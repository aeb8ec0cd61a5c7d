"""Test tooling shared by tests/ and bench/ (not installed with the bot): see testing/fake_telegram/."""
