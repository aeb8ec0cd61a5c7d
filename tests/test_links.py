"""Links to online content (bot/reporting/links.py): found, recognised by platform, and normalised so that one
post reported in different forms is one."""

from __future__ import annotations

import pytest

from bot.reporting.links import MAX_LINKS, Platform, account_of, find_links, normalize


@pytest.mark.parametrize(("forms", "normalized", "platform"), [
    (["https://www.facebook.com/groups/123/posts/456/?mibextid=abc123", "http://m.facebook.com/groups/123/posts/456",
      "facebook.com/groups/123/posts/456/?__cft__[0]=x&__tn__=R", "https://fb.com/groups/123/posts/456"],
     "https://facebook.com/groups/123/posts/456", Platform.FACEBOOK),
    (["https://www.facebook.com/permalink.php?story_fbid=111&id=222&ref=share",
      "https://m.facebook.com/permalink.php?id=222&story_fbid=111&sfnsn=mo"],
     "https://facebook.com/permalink.php?id=222&story_fbid=111", Platform.FACEBOOK),
    (["https://youtu.be/dQw4w9WgXcQ?si=Zx12", "https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share&t=42",
      "https://m.youtube.com/shorts/dQw4w9WgXcQ", "youtube.com/watch?v=dQw4w9WgXcQ"],
     "https://youtube.com/watch?v=dQw4w9WgXcQ", Platform.YOUTUBE),
    (["https://twitter.com/akun/status/1790000000000000000?s=20&t=abc", "https://x.com/akun/status/1790000000000000000",
      "https://mobile.twitter.com/akun/status/1790000000000000000/"],
     "https://x.com/akun/status/1790000000000000000", Platform.X),
    (["https://www.tiktok.com/@akun/video/7300000000000000000?is_from_webapp=1&sender_device=pc&_r=1",
      "tiktok.com/@akun/video/7300000000000000000", "https://m.tiktok.com/@akun/video/7300000000000000000?lang=id"],
     "https://tiktok.com/@akun/video/7300000000000000000", Platform.TIKTOK),
    (["https://www.instagram.com/p/C1a2B3c4D5e/?igsh=MWx0", "https://instagram.com/p/C1a2B3c4D5e",
      "instagr.am/p/C1a2B3c4D5e/?utm_source=ig_web_copy_link"],
     "https://instagram.com/p/C1a2B3c4D5e", Platform.INSTAGRAM),
    (["https://t.me/s/kanal_pilkada/1234", "https://t.me/kanal_pilkada/1234?single", "telegram.me/kanal_pilkada/1234"],
     "https://t.me/kanal_pilkada/1234", Platform.TELEGRAM),
    (["https://chat.whatsapp.com/AbCdEf123", "chat.whatsapp.com/AbCdEf123/"],
     "https://chat.whatsapp.com/AbCdEf123", Platform.WHATSAPP),
    (["https://www.berita-jambi.co.id/2026/11/hoaks-calon?utm_source=wa&utm_medium=share&page=2",
      "http://berita-jambi.co.id/2026/11/hoaks-calon/?page=2&fbclid=IwAR0"],
     "https://berita-jambi.co.id/2026/11/hoaks-calon?page=2", Platform.WEBSITE),
])
def test_every_form_of_one_post_normalises_alike(forms: list[str], normalized: str, platform: Platform) -> None:
    links = [normalize(form) for form in forms]
    assert all(link is not None for link in links)
    assert {link.normalized for link in links if link} == {normalized}
    assert {link.platform for link in links if link} == {platform}


def test_a_news_sites_own_parameters_are_kept_only_tracking_goes() -> None:
    link = normalize("https://news.example.id/read?s=pilkada&t=2&utm_campaign=x")
    assert link is not None and link.normalized == "https://news.example.id/read?s=pilkada&t=2"


@pytest.mark.parametrize("raw", ["", "javascript:alert(1)", "tg://resolve?domain=x", "ftp://example.com/a",
                                 "localhost/abc", "https://", "https://exa mple.com", "x" * 3000 + ".com",
                                 "https://例子.测试/"])
def test_what_is_not_a_web_link_is_refused(raw: str) -> None:
    assert normalize(raw) is None


def test_links_are_found_in_text_and_entities_once_each_in_order() -> None:
    text = ("Lihat ini https://youtu.be/dQw4w9WgXcQ?si=a, juga di fb: facebook.com/groups/1/posts/2 "
            "dan (https://www.youtube.com/watch?v=dQw4w9WgXcQ). Sumber: berita-jambi.co.id/a.")
    links = find_links(text, ["https://t.me/kanal/9"])  # a text_link entity's url
    assert [link.normalized for link in links] == [
        "https://t.me/kanal/9", "https://youtube.com/watch?v=dQw4w9WgXcQ", "https://facebook.com/groups/1/posts/2",
        "https://berita-jambi.co.id/a"]
    assert links[1].original == "https://youtu.be/dQw4w9WgXcQ?si=a"


def test_no_more_than_the_maximum_links_are_kept() -> None:
    text = " ".join(f"https://example.com/{n}" for n in range(MAX_LINKS + 5))
    assert len(find_links(text)) == MAX_LINKS
    assert find_links(None) == [] and find_links("tidak ada tautan di sini. titik.") == []


@pytest.mark.parametrize(("link", "account"), [
    ("https://twitter.com/akun/status/1790000000000000000?s=20", "@akun"),
    ("https://www.tiktok.com/@akun/video/7300000000000000000", "@akun"),
    ("https://t.me/kabar_pilkada/77", "@kabar_pilkada"),
    ("https://www.instagram.com/stories/akun.satu/123/", "@akun.satu"),
    ("https://www.facebook.com/HalamanCalon/posts/pfbid0x", "HalamanCalon"),
    ("https://www.youtube.com/@kanalberita/videos", "@kanalberita"),
    # Addresses that do not say whose post it is: nothing is offered.
    ("https://t.me/c/123/4", None),
    ("https://t.me/+AbCdEf", None),
    ("https://www.instagram.com/p/Cabc123/", None),
    ("https://www.facebook.com/groups/123/posts/456/", None),
    ("https://www.facebook.com/story.php?story_fbid=1&id=2", None),
    ("https://x.com/i/status/1790000000000000000", None),
    ("https://youtu.be/dQw4w9WgXcQ", None),
    ("https://example.com/berita/1", None),
])
def test_the_account_a_link_names(link: str, account: str | None) -> None:
    found = normalize(link)
    assert found is not None
    assert account_of(found.normalized) == account
