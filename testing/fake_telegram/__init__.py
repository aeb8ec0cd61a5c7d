from testing.fake_telegram.server import ApiCall, FakeTelegram, TelegramLimits

__all__ = ["ApiCall", "FakeTelegram", "TelegramLimits"]
