"""/datasaya's pure parts: the reporter's answer taken out of the message that relayed it to the group (in either
language, or the whole message when its form changed), and who read their data as a kind, never a name."""

from __future__ import annotations

from html import escape

import pytest

from bot.privacy.access import AccessKind, ViewKind, access_kind, evidence_accessor, view_kind
from bot.privacy.texts import relayed_answer
from locales import t

ANSWER = "Jam 10 <pagi> & di depan TPS 05\nPelakunya dua orang."


@pytest.mark.parametrize("locale", ["id", "en"])
def test_the_answer_is_taken_out_of_the_relay_in_the_groups_language(locale: str) -> None:
    relay = t(locale, "relay.answer", code="PTU-AAAA-0001", question=escape("Kapan <tepatnya>?"),
              answer=escape(ANSWER))
    assert relayed_answer(relay) == ANSWER


def test_a_relay_of_another_form_is_given_whole_as_plain_text() -> None:
    assert relayed_answer("💬 <b>Jawaban</b> untuk <code>PTU-AAAA-0001</code>: ya &amp; tidak") == (
        "💬 Jawaban untuk PTU-AAAA-0001: ya & tidak")


@pytest.mark.parametrize(("accessor", "purpose", "kind"), [
    ("reporter", "form", AccessKind.OWN_FORM),
    (evidence_accessor("budi"), "evidence export", AccessKind.OPERATOR_EVIDENCE),
    ("budi", "evidence export", AccessKind.OPERATOR_IDENTITY),  # typed as an `identity` purpose: an identity look-up
    ("operator-jambi", "verifikasi oleh Pak Joko", AccessKind.OPERATOR_IDENTITY),
])
def test_an_access_is_shown_as_its_kind(accessor: str, purpose: str, kind: AccessKind) -> None:
    assert access_kind(accessor, purpose) is kind


def test_a_look_at_a_volunteer_is_shown_as_where_it_was_made() -> None:
    assert view_kind("card") is ViewKind.SUPERVISORS_CARD
    assert view_kind("coordinator_card") is ViewKind.COORDINATOR_CARD
