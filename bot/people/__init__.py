"""The people using the bot: their language, and the bot's menus."""
