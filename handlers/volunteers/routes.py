"""Volunteers' handlers and where each sits in the order (bot/kernel/stages.py): the registration
conversation (/relawan, recruitment links), /relawansaya and /berhenti; verification cards; /undang and
/organisasi in supervisors groups. Each part registers its own handlers here."""

from __future__ import annotations

from bot.kernel.stages import HandlerStages
from handlers.volunteers import reachability, recruitment, registration, verification


def register(stages: HandlerStages) -> None:
    """Every volunteer handler, part by part."""
    reachability.register(stages)  # an unreachable volunteer writing again (group -2, before the client language)
    registration.register(stages)  # /relawan, recruitment links, /relawansaya, /berhenti
    verification.register(stages)  # verification cards' buttons (groups, coordinators' chats)
    recruitment.register(stages)  # /undang, /organisasi and their buttons (groups)
