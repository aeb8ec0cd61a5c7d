"""People: /start, help, language, and what is said outside any conversation. Handlers: routes.register."""
