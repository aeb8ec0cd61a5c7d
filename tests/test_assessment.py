"""Laporan or informasi awal (Perbawaslu 7/2022): which requirements a report meets, in a fixed order."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from bot.reporting.assessment import REQUIREMENTS, Assessment, assess
from locales import LOCALES, catalog

COMPLETE: dict[str, Any] = {
    "anonymous": False,
    "has_name_and_address": True,
    "has_reported_party": True,
    "within_deadline": True,
    "has_time_and_place": True,
    "has_chronology": True,
    "evidence_files": 1,
    "has_witnesses": False,
}

# One way to fail each requirement, starting from a complete report.
BREAKS: dict[str, dict[str, Any]] = {
    "identity": {"has_name_and_address": False},
    "reported_party": {"has_reported_party": False},
    "deadline": {"within_deadline": False},
    "time_place": {"has_time_and_place": False},
    "chronology": {"has_chronology": False},
    "evidence": {"evidence_files": 0, "has_witnesses": False},
    "standing": {"may_file": False},
}


def test_requirements_are_the_seven_in_the_explained_order():
    assert REQUIREMENTS == ("identity", "standing", "reported_party", "deadline", "time_place", "chronology", "evidence")
    assert set(BREAKS) == set(REQUIREMENTS)


def test_laporan_when_everything_is_met():
    assert assess(**COMPLETE) == Assessment("laporan", ())


@pytest.mark.parametrize("requirement", REQUIREMENTS)
def test_each_missing_requirement_alone_makes_informasi_awal(requirement: str):
    result = assess(**{**COMPLETE, **BREAKS[requirement]})
    assert result == Assessment("informasi_awal", (requirement,))


def test_everything_missing_is_listed_in_requirements_order():
    broken: dict[str, Any] = dict(COMPLETE)
    for change in BREAKS.values():
        broken.update(change)
    # without a name and address, the standing is not what is missing: the identity is
    expected = tuple(r for r in REQUIREMENTS if r != "standing")
    assert assess(**broken) == Assessment("informasi_awal", expected)


def test_every_combination_lists_exactly_the_unmet_requirements_in_order():
    flags = (
        "anonymous",
        "has_name_and_address",
        "has_reported_party",
        "within_deadline",
        "has_time_and_place",
        "has_chronology",
        "has_witnesses",
        "may_file",
    )
    for values in itertools.product((False, True), repeat=len(flags)):
        for files in (0, 1, 5):
            kwargs = dict(zip(flags, values, strict=True), evidence_files=files)
            unmet = {
                "identity": kwargs["anonymous"] or not kwargs["has_name_and_address"],
                "standing": not (kwargs["anonymous"] or not kwargs["has_name_and_address"]) and not kwargs["may_file"],
                "reported_party": not kwargs["has_reported_party"],
                "deadline": not kwargs["within_deadline"],
                "time_place": not kwargs["has_time_and_place"],
                "chronology": not kwargs["has_chronology"],
                "evidence": files == 0 and not kwargs["has_witnesses"],
            }
            expected = tuple(r for r in REQUIREMENTS if unmet[r])
            result = assess(**kwargs)
            assert result.missing == expected, kwargs
            assert result.kind == ("informasi_awal" if expected else "laporan"), kwargs


def test_anonymous_means_identity_missing_even_with_name_and_address():
    result = assess(**{**COMPLETE, "anonymous": True, "has_name_and_address": True})
    assert result == Assessment("informasi_awal", ("identity",))


@pytest.mark.parametrize(
    ("files", "witnesses", "met"),
    [(0, False, False), (0, True, True), (1, False, True), (3, False, True), (2, True, True)],
)
def test_evidence_is_files_or_witnesses(files: int, witnesses: bool, met: bool):
    result = assess(**{**COMPLETE, "evidence_files": files, "has_witnesses": witnesses})
    assert ("evidence" not in result.missing) is met
    assert result.kind == ("laporan" if met else "informasi_awal")


def test_assessment_is_immutable():
    result = assess(**COMPLETE)
    with pytest.raises(AttributeError):
        result.kind = "informasi_awal"  # type: ignore[misc]


@pytest.mark.parametrize("locale", LOCALES)
def test_every_requirement_is_explained_in_every_language(locale: str):
    strings = catalog(locale)
    for requirement in REQUIREMENTS:
        assert strings.get(f"missing.{requirement}"), (locale, requirement)
    assert strings.get("submitted.kind_laporan") and strings.get("submitted.kind_informasi_awal")
