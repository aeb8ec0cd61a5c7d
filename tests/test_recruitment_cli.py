"""Operators' recruitment links from the command line, without a token and without asking Telegram: org-link
prints a new link of an organisation (the bot's username from --bot-username or TELEGRAM_BOT_USERNAME) and
writes its QR code, optionally naming a coordinator; link-revoke revokes one."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from bot import cli

LINK = re.compile(r"https://t\.me/pantau_jambi_bot\?start=(rel_[A-Za-z0-9_-]{32})")


@pytest.fixture
def organisation(no_token: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Path:
    """A database with organisation 1 (BEM Universitas Jambi, Kota Jambi)."""
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME", raising=False)
    assert cli.main(["org-add", "--name", "BEM Universitas Jambi", "--type", "students", "--region", "15.71"]) == 0
    capsys.readouterr()
    return no_token


@pytest.mark.sqlite_only  # reads the SQLite file the CLI wrote
def test_org_link_prints_the_link_and_writes_its_qr_code(organisation: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    png = tmp_path / "posters" / "bem.png"
    assert cli.main(["org-link", "--org", "1", "--qr", str(png), "--bot-username", "@pantau_jambi_bot",
                     "--operator", "siti"]) == 0
    out = capsys.readouterr().out
    match = LINK.search(out)
    assert match is not None and "BEM Universitas Jambi" in out and "does not ask Telegram" in out
    [code] = zxingcpp.read_barcodes(Image.open(png))
    assert code.text == match.group(0)
    with sqlite3.connect(organisation) as db:
        assert db.execute("SELECT payload, created_by, revoked_at FROM recruitment_links").fetchall() == [
            (match.group(1), "operator:siti", None)]

    assert cli.main(["link-revoke", match.group(0)]) == 0  # the whole link, or only its payload
    assert "revoked (0 sign-ups through it)" in capsys.readouterr().out
    assert cli.main(["link-revoke", match.group(1)]) == 2
    assert "revoked already" in capsys.readouterr().err
    assert cli.main(["link-revoke", "rel_" + "x" * 32]) == 2
    assert "no recruitment link" in capsys.readouterr().err


def test_the_username_comes_from_the_setting_or_the_command_says_what_it_needs(
    organisation: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["org-link", "--org", "1"]) == 2
    err = capsys.readouterr().err
    assert "--bot-username" in err and "TELEGRAM_BOT_USERNAME" in err and "does not ask Telegram" in err
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "pantau_jambi_bot")
    assert cli.main(["org-link", "--org", "1"]) == 0
    assert LINK.search(capsys.readouterr().out)
    assert cli.main(["org-link", "--org", "7"]) == 2
    assert "Organisation number 7 does not exist" in capsys.readouterr().err


@pytest.mark.sqlite_only  # reads the SQLite file the CLI wrote
def test_a_coordinator_must_be_a_verified_volunteer_of_the_organisation(
    organisation: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["org-link", "--org", "1", "--coordinator", "4242", "--bot-username", "pantau_jambi_bot"]
    assert cli.main(argv) == 2
    assert "User 4242 is not a verified volunteer of BEM Universitas Jambi" in capsys.readouterr().err
    with sqlite3.connect(organisation) as db:
        db.execute(
            "INSERT INTO volunteers (user_id, chat_id, full_name, organisation_id, organisation_kind, region_code, phone,"
            " nonpartisan_at, consent_at, consent_version, status, created_at, updated_at, status_at)"
            " VALUES (4242, 4242, 'Budi', 1, 'students', '15.71.04', '+62811', 't', 't', 'v', 'verified', 't', 't', 't')")
    assert cli.main(argv) == 0
    assert "Coordinator: user 4242" in capsys.readouterr().out
    with sqlite3.connect(organisation) as db:
        assert db.execute("SELECT coordinator FROM volunteers WHERE user_id = 4242").fetchone() == (1,)
        assert db.execute("SELECT coordinator_user_id FROM recruitment_links").fetchone() == (4242,)
