"""The buttons of /hapusdata's confirmation, registered with the kernel's callback codec (bot/kernel/callbacks.py).
The values are the wire names and must not change (buttons in messages already sent carry them)."""

from __future__ import annotations

from bot.kernel.callbacks import Action, no_arg, register


class PrivacyAction(Action):
    ERASE = "pdy"  # yes, erase my data (once per confirmation message)
    KEEP = "pdx"  # no, keep it


register(PrivacyAction, {PrivacyAction.ERASE: no_arg, PrivacyAction.KEEP: no_arg})
