"""Violation categories seen in the field. Names and descriptions live in locales under `category.<key>`."""

from __future__ import annotations

CATEGORIES: tuple[str, ...] = (
    "money_politics",  # politik uang
    "black_campaign",  # kampanye hitam, hasutan, ujaran kebencian
    "sara",  # politisasi SARA (identitas)
    "hoax",  # hoaks dan disinformasi di media sosial
    "neutrality_asn",  # netralitas ASN
    "neutrality_tni_polri",  # netralitas TNI/Polri
    "neutrality_village",  # netralitas kepala desa dan perangkat desa
    "campaign_rules",  # pelanggaran aturan kampanye: alat peraga, tempat, jadwal
    "logistics",  # distribusi dan penyimpanan logistik (KPU → PPK → kecamatan → desa → TPS)
    "tps",  # kejadian di TPS
    "cyber_sirekap",  # keamanan siber dan integritas Sirekap
    "voter_roll",  # daftar pemilih
    "organiser_ethics",  # netralitas dan etika penyelenggara pemilu (KPU, Bawaslu, PPK, PPS, KPPS) → DKPP
    "intimidation",  # intimidasi dan kekerasan terhadap pemilih, peserta atau penyelenggara
    "other",  # lainnya
)


# Categories about content online (social media, messages, websites): the report asks for its links instead of
# only a place (Step.LINKS), and supervision routes them to the cyber task force too (bot/supervision/cyber.py
# holds the same set: a test keeps the two alike).
ONLINE_CATEGORIES = frozenset({"hoax", "black_campaign", "sara", "cyber_sirekap"})


def is_category(key: str) -> bool:
    return key in CATEGORIES


def is_online(key: str) -> bool:
    return key in ONLINE_CATEGORIES
