"""The TPS list an operator imports (issue 13): KPU's CSV read and checked row by row (bot/tps/catalogue.py), and
`python -m bot tps-import`, which imports all or nothing and updates on a second import. The files are the
tests' own; nothing needs the internet."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot import cli
from bot.tps.catalogue import Vulnerability, read_catalogue
from bot.tps.checklist import Checkpoint, parse_times
from storage.database import Database
from storage.tps.stations import TpsRepository

HEADER = "kode_desa,nama_desa,tps,alamat,lintang,bujur,pemilih,ikp\n"
GOOD = HEADER + (
    "15.71.04.1001,Pasar Jambi,1,Jl. Sultan Thaha 1,-1.5901,103.6101,280,kekerasan|politik_uang\n"
    "15.71.04.1001,Pasar Jambi,002,Jl. Sultan Thaha 9,-1.5911,103.6111,275,\n"
    "15.71.04.1002,Beringin,1,Jl. Beringin,,,300,logistik\n"
)


def known(code: str) -> bool:
    return code.startswith("15.71.")


def test_a_good_file_is_read_with_its_vulnerabilities() -> None:
    catalogue = read_catalogue(GOOD, known)
    assert catalogue.errors == []
    first, second, third = catalogue.rows
    assert (first.desa_code, first.number, first.voters, first.kecamatan_code) == ("15.71.04.1001", 1, 280, "15.71.04")
    assert first.vulnerabilities == (Vulnerability.VIOLENCE, Vulnerability.MONEY_POLITICS)
    assert (second.number, second.latitude, second.vulnerabilities) == (2, -1.5911, ())
    assert (third.latitude, third.longitude, third.vulnerabilities) == (None, None, (Vulnerability.LOGISTICS,))


def test_a_spreadsheets_semicolons_byte_order_mark_and_english_headers_are_read() -> None:
    text = ("\ufeffdesa_code;number;address;latitude;longitude;voters;vulnerabilities\n"
            "15.71.04.1001;3;Jl. A;-1,59;103,61;10;access\n")
    [row] = read_catalogue(text, known).rows
    assert (row.number, row.latitude, row.longitude, row.vulnerabilities) == (3, -1.59, 103.61, (Vulnerability.ACCESS,))


def test_every_bad_row_is_named_by_its_line() -> None:
    text = HEADER + (
        "15.71.04.1001,A,1,,,,,\n"
        "15.71.04,A,2,,,,,\n"  # a kecamatan's code, not a desa's
        "16.01.01.2001,B,1,,,,,\n"  # outside the region
        "15.71.04.1001,A,0,,,,,\n"  # no TPS 0
        "15.71.04.1001,A,4,,-1.5,,,\n"  # latitude without longitude
        "15.71.04.1001,A,5,,1.5,200.0,,\n"  # outside Indonesia
        "15.71.04.1001,A,6,,,,-3,\n"  # voters
        "15.71.04.1001,A,7,,,,,banjir\n"  # not an indicator
        "15.71.04.1001,A,1,,,,,\n"  # twice
    )
    catalogue = read_catalogue(text, known)
    lines = [error.split(":", 1)[0] for error in catalogue.errors]
    assert lines == [f"line {n}" for n in range(3, 11)]
    assert "already on line 2" in catalogue.errors[-1] and "banjir" in catalogue.errors[-2]
    assert read_catalogue("nama,alamat\nx,y\n", known).errors[0].startswith("line 1:")
    assert read_catalogue(HEADER, known).errors == ["the file has a header but no TPS"]


def test_checklist_times_follow_the_day() -> None:
    assert parse_times("06:30,13:00,13:30")[Checkpoint.OPENING].hour == 6
    for bad in ("07:00,13:00", "7,13,14", "13:00,07:00,14:00", "25:00,13:00,14:00"):
        with pytest.raises(ValueError):
            parse_times(bad)


async def test_tps_import_imports_all_or_nothing_and_updates_on_a_second_import(
        tmp_path: Path, no_token: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "tps.csv"
    path.write_text(GOOD + "15.71.04.1002,Beringin,x,,,,,\n", encoding="utf-8")
    assert await asyncio.to_thread(cli.main, ["tps-import", str(path)]) == 1
    out = capsys.readouterr().out
    assert "line 5: tps must be a whole number" in out and "nothing imported: 1 bad row" in out
    async with Database(no_token) as db:
        assert await TpsRepository(db).count() == 0  # nothing half-imported

    path.write_text(GOOD, encoding="utf-8")
    assert await asyncio.to_thread(cli.main, ["tps-import", str(path)]) == 0
    assert "3 added, 0 updated, 0 unchanged (2 vulnerable); 3 TPS in all" in capsys.readouterr().out
    path.write_text(GOOD.replace("Jl. Beringin", "Jl. Beringin Raya") + "15.71.04.1002,Beringin,2,,,,,\n",
                    encoding="utf-8")
    assert await asyncio.to_thread(cli.main, ["tps-import", str(path)]) == 0
    assert "1 added, 1 updated, 2 unchanged" in capsys.readouterr().out
    async with Database(no_token) as db:
        repo = TpsRepository(db)
        assert await repo.count() == 4 and await repo.count("15.71.04") == 4
        [first, second] = await repo.in_desa("15.71.04.1002")
        assert (first.address, second.number) == ("Jl. Beringin Raya", 2)
