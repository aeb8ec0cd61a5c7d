"""Organisations that recruit volunteers (issue 9's first part): registered by an operator, listed by region,
refused with a reason when they cannot be."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import AsyncIterator
from importlib import resources
from pathlib import Path

import pytest

from bot import cli
from bot.kernel.refusal import Refusal
from bot.regions.directory import RegionDirectory
from bot.volunteers.kinds import OrganisationKind
from bot.volunteers.organisations import OrganisationService
from locales import t
from storage.database import Database
from storage.volunteers.organisations import OrganisationRepository


@pytest.fixture(scope="module")
def regions() -> RegionDirectory:
    return RegionDirectory()


@pytest.fixture
async def service(tmp_path: Path, regions: RegionDirectory) -> AsyncIterator[OrganisationService]:
    async with Database(tmp_path / "orgs.sqlite3") as db:
        yield OrganisationService(OrganisationRepository(db), regions)


async def test_an_organisation_is_registered_for_its_region_and_listed_with_the_regions_above(
    service: OrganisationService,
) -> None:
    row, region = await service.add("  BEM   Universitas Jambi ", "students", "15.71", "operator:siti")
    assert (row.name, row.kind, row.region_code, row.active, row.created_by) == (
        "BEM Universitas Jambi", "students", "15.71", True, "operator:siti")
    assert region.path == "Kota Jambi, Jambi"
    await service.add("Pemuda Pancasila Muaro Jambi", "okp", "15.05", "operator:siti")
    await service.add("Mafindo Jakarta", "cyber_media", "31", "operator:siti")
    assert [o.name for o in await service.in_region("15")] == ["Pemuda Pancasila Muaro Jambi", "BEM Universitas Jambi"]
    assert [o.name for o in await service.in_region("15.71")] == ["BEM Universitas Jambi"]
    assert await service.in_region("15.71.04") == []  # below the organisation's region: not listed there
    assert len(await service.in_region(None)) == 3


@pytest.mark.parametrize(("name", "kind", "region", "key"), [
    ("BE", "students", "15.71", "organisations.name_invalid"),
    ("x" * 121, "students", "15.71", "organisations.name_invalid"),
    ("BEM Universitas Jambi", "partai", "15.71", "organisations.kind_unknown"),
    ("BEM Universitas Jambi", "students", "15.99", "organisations.region_unknown"),
])
async def test_a_bad_registration_is_refused_with_its_reason(
    service: OrganisationService, name: str, kind: str, region: str, key: str
) -> None:
    with pytest.raises(Refusal) as refused:
        await service.add(name, kind, region, "operator:siti")
    assert refused.value.key == key
    for locale in ("id", "en"):
        assert "{" not in t(locale, refused.value.key, **refused.value.params)


async def test_the_same_name_in_the_same_region_is_refused_whatever_its_case(service: OrganisationService) -> None:
    row, _ = await service.add("BEM Universitas Jambi", "students", "15.71", "operator:siti")
    with pytest.raises(Refusal) as refused:
        await service.add("bem universitas JAMBI", "students", "15.71", "operator:budi")
    assert refused.value.key == "organisations.duplicate" and refused.value.params["id"] == row.id
    other, _ = await service.add("BEM Universitas Jambi", "students", "15.05", "operator:budi")  # another region
    assert other.id != row.id


def test_the_database_accepts_exactly_the_kinds_the_code_knows() -> None:
    sql = resources.files("storage.migrations").joinpath("0006_organisations.sql").read_text(encoding="utf-8")
    match = re.search(r"kind IN \(([^)]*)\)", sql)
    assert match is not None
    assert {k.strip(" '") for k in match.group(1).split(",")} == {k.value for k in OrganisationKind}
    for kind in OrganisationKind:
        assert "{" not in t("id", f"organisations.kind.{kind.value}")


async def test_an_unknown_kind_cannot_be_written_behind_the_service(tmp_path: Path) -> None:
    async with Database(tmp_path / "orgs.sqlite3") as db:
        with pytest.raises(sqlite3.IntegrityError):
            await OrganisationRepository(db).add("Partai X", "party", "15", "operator:siti")


@pytest.mark.sqlite_only  # reads SQLite's schema, query plan or file
def test_operators_add_and_list_organisations_without_a_token(
    no_token: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["org-add", "--name", "BEM Universitas Jambi", "--type", "students", "--region", "15.71",
            "--operator", "siti"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "Organisation 1 registered: BEM Universitas Jambi (Students (BEM, campus organisations)), Kota Jambi" in out
    assert cli.main(argv) == 2  # again: refused, with the reason
    assert "already registered for Kota Jambi, Jambi (number 1)" in capsys.readouterr().err
    assert cli.main(["org-list", "--region", "15"]) == 0
    assert re.search(r"1\s+BEM Universitas Jambi\s+\[students\]\s+Kota Jambi, Jambi \(15\.71\)", capsys.readouterr().out)
    assert cli.main(["org-list", "--region", "31"]) == 0
    assert "No organisations registered for 31." in capsys.readouterr().out
    with sqlite3.connect(no_token) as db:
        assert db.execute("SELECT created_by FROM organisations").fetchall() == [("operator:siti",)]


def test_an_unknown_type_is_refused_by_the_command_line(no_token: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["org-add", "--name", "Partai X", "--type", "party", "--region", "15"])
    assert exit_.value.code == 2
    assert "invalid choice: 'party'" in capsys.readouterr().err
