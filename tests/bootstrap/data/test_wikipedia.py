"""Wikipedia dumps to plain text: tiny MediaWiki exports written here, converted and compared exactly."""
import bz2
import hashlib
import tracemalloc

import pytest

from fixtures.upstream import FOOTER, HEADER, SITEINFO, page_xml, write_dump
from offramp.bootstrap.data import wikipedia
from offramp.bootstrap.data._errors import FetchError
from offramp.bootstrap.data.wikipedia import build, dump_urls, wikipedia_to_text, wikitext_to_paragraphs

RIGA = """{{Infobox pilsēta
| nosaukums = Rīga
| attēls = Riga.jpg
| iedzīvotāji = 605 273
}}
'''Rīga''' ({{IPA|ˈriːɡa}}; {{Val-de|Riga}}) ir [[Latvija]]s galvaspilsēta un ''lielākā'' \
[[Pilsēta|pilsēta]].<ref name="csp">{{Tīmekļa atsauce|url=https://stat.gov.lv|nosaukums=Iedzīvotāji}}</ref> \
Tā atrodas pie [[Daugava|Daugavas]]<ref name=csp/>
ietekas [[Rīgas līcis|Rīgas līcī]]. __NOTOC__
[[Attēls:Riga skats.jpg|thumb|Skats uz [[Vecrīga|Vecrīgu]]]]
[[File:Old map.png|left|Karte]]

== Vēsture ==
<!-- šeit būs vairāk -->
Pilsētu 1201. gadā dibināja bīskaps [[Alberts]]; plašāk sk. [https://example.org/vesture Rīgas vēsture] \
vai [https://example.org/x] sadaļā.

{| class="wikitable"
|-
! Gads !! Iedzīvotāji
|-
| 1897 || 282 230
|}
=== Rajoni ===
* Centrs ar [[Vecrīga|Vecrīgu]] un bulvāriem
* Kurzemes rajons
* Īss
# Latgales priekšpilsēta &amp; Maskavas forštate
Rindkopa pēc saraksta<br />ar pārnesumu.

[[Kategorija:Latvijas pilsētas]]
[[Category:Hanzas pilsētas]]
[[en:Riga]]
[[de:Riga]]
"""

DAUGAVA = """'''Daugava''' ir upe ''Austrumeiropā''.
Tā ietek [[:Kategorija:Jūras|jūrā]] pie <span style="color:red">Rīgas</span>.

[[Kategorija:Latvijas upes]]"""

TINY_PAGES = [
    {"title": "Rīga", "text": RIGA},
    {"title": "Riga", "text": "#REDIRECT [[Rīga]]", "redirect": "Rīga"},
    {"title": "Diskusija:Rīga", "text": "Šī ir diskusija par rakstu, kuru neviens nelasa.", "ns": 1},
    {"title": "Daugava", "text": DAUGAVA},
    {"title": "Tukšs", "text": "{{Nozīmju atdalīšana}}"},
]

TINY_TEXT = """\
Rīga ir Latvijas galvaspilsēta un lielākā pilsēta. Tā atrodas pie Daugavas ietekas Rīgas līcī.
Pilsētu 1201. gadā dibināja bīskaps Alberts; plašāk sk. Rīgas vēsture vai sadaļā.
Centrs ar Vecrīgu un bulvāriem
Latgales priekšpilsēta & Maskavas forštate
Rindkopa pēc saraksta ar pārnesumu.
Daugava ir upe Austrumeiropā. Tā ietek jūrā pie Rīgas.
"""

TINY_COUNTS = {"pages": 3, "paragraphs": 6, "lines": 6, "tokens": 50, "skipped_redirects": 1,
               "skipped_other_namespaces": 1, "skipped_non_wikitext": 0, "skipped_short": 2, "failed_pages": 0,
               "failed_titles": [], "truncated": False, "max_tokens": None, "min_tokens": 3}


@pytest.fixture
def tiny_dump(tmp_path):
    return write_dump(tmp_path / "lvwiki-20240601-pages-articles.xml.bz2", TINY_PAGES)


def test_tiny_dump_converts_exactly(tiny_dump, tmp_path):
    out = tmp_path / "lv.txt"
    info = wikipedia_to_text(tiny_dump, out)
    assert out.read_bytes().decode("utf-8") == TINY_TEXT
    assert info == TINY_COUNTS


def test_plain_xml_is_accepted(tmp_path):
    dump = write_dump(tmp_path / "lvwiki.xml", TINY_PAGES, compress=False)
    out = tmp_path / "lv.txt"
    assert wikipedia_to_text(dump, out)["paragraphs"] == 6
    assert out.read_text(encoding="utf-8") == TINY_TEXT


def test_any_export_schema_version(tmp_path):
    dump = tmp_path / "old.xml"
    write_dump(dump, TINY_PAGES[3:4], compress=False)
    dump.write_text(dump.read_text(encoding="utf-8").replace("export-0.11", "export-0.10"), encoding="utf-8")
    out = tmp_path / "lv.txt"
    wikipedia_to_text(dump, out)
    assert out.read_text(encoding="utf-8") == "Daugava ir upe Austrumeiropā. Tā ietek jūrā pie Rīgas.\n"


@pytest.mark.parametrize("cap, lines, truncated", [
    (10, 0, True),      # the first paragraph alone has 14 tokens
    (14, 1, True),
    (40, 4, True),      # 14 + 12 + 5 + 5 tokens, the next has 5
    (50, 6, False),     # exactly the whole text
    (1000, 6, False),
])
def test_max_tokens_keeps_whole_paragraphs(tiny_dump, tmp_path, cap, lines, truncated):
    out = tmp_path / "lv.txt"
    info = wikipedia_to_text(tiny_dump, out, max_tokens=cap)
    expected = "".join(TINY_TEXT.splitlines(keepends=True)[:lines])
    assert out.read_text(encoding="utf-8") == expected
    assert (info["lines"], info["truncated"], info["max_tokens"]) == (lines, truncated, cap)
    assert info["tokens"] == len(expected.split()) <= cap


@pytest.mark.parametrize("wikitext, expected", [
    ("[[a|b c d]] e", ["b c d e"]),
    ("[[Alfa]] [[beta]]s un gamma", ["Alfa betas un gamma"]),
    ("Vārds [[fr:Mot]] un [[:fr:Mot|franču vārds]] te", ["Vārds un franču vārds te"]),
    ("Bilde [[Attēls:X.jpg|thumb|a b c]] [[Bild:Y.svg|mini|d e f]] te nav", ["Bilde te nav"]),
    ("'''treknais''' un ''slīprakstā'' teksts", ["treknais un slīprakstā teksts"]),
    ("viens\n\n\ndivi trīs četri\npieci", ["viens", "divi trīs četri pieci"]),
    ("; termins ar skaidrojumu : tā nozīme ir šāda", ["termins ar skaidrojumu", "tā nozīme ir šāda"]),
    ("{{Infobox\n| a = b\n}} teksts bez infokastes šeit", ["teksts bez infokastes šeit"]),
    ("{{Nepabeigta veidne\n| a = b c d\nTeksts pēc bojātas veidnes.", ["Teksts pēc bojātas veidnes."]),
    ("a<math>x^2</math> b <gallery>\nX.jpg|viens divi trīs\n</gallery> c", ["a b", "c"]),
    ("<blockquote>citāts ar četriem vārdiem</blockquote>pēc citāta nāk teksts", [
        "citāts ar četriem vārdiem", "pēc citāta nāk teksts"]),
])
def test_wikitext_cases(wikitext, expected):
    assert wikitext_to_paragraphs(wikitext, namespaces={6: "Attēls"}, min_tokens=1) == expected


def test_min_tokens_counts_short_paragraphs():
    counts = {}
    assert wikitext_to_paragraphs("Īss teksts.\n\nŠis ir garāks teksts.", counts=counts) == ["Šis ir garāks teksts."]
    assert counts == {"skipped_short": 1}


def test_truncated_bz2_names_the_file(tiny_dump, tmp_path):
    data = tiny_dump.read_bytes()
    broken = tmp_path / "lvwiki-broken.xml.bz2"
    broken.write_bytes(data[:len(data) * 2 // 3])
    with pytest.raises(FetchError, match=r"lvwiki-broken\.xml\.bz2: could not decompress it at byte \d+.*--force"):
        wikipedia_to_text(broken, tmp_path / "lv.txt")


def test_broken_xml_names_file_and_line(tmp_path):
    dump = write_dump(tmp_path / "lvwiki.xml", TINY_PAGES, compress=False)
    text = dump.read_text(encoding="utf-8")
    dump.write_text(text.replace("<title>Daugava</title>", "<title>Daugava</titel>"), encoding="utf-8")
    line = text[:text.index("<title>Daugava")].count("\n") + 1
    with pytest.raises(FetchError, match=rf"lvwiki\.xml: the XML does not parse at line {line}, column \d+, "
                                         r"after page 'Diskusija:Rīga'.*--force"):
        wikipedia_to_text(dump, tmp_path / "lv.txt")


def test_not_a_mediawiki_export(tmp_path):
    dump = tmp_path / "x.xml"
    dump.write_text("<html><body>Not found</body></html>", encoding="utf-8")
    with pytest.raises(FetchError, match=r"x\.xml: not a MediaWiki XML export \(root element <html>"):
        wikipedia_to_text(dump, tmp_path / "lv.txt")


def test_a_page_the_parser_fails_on_is_skipped(tiny_dump, tmp_path, monkeypatch):
    import mwparserfromhell

    real = mwparserfromhell.parse

    def parse(text):
        if "Daugava" in text[:12]:
            raise mwparserfromhell.parser.ParserError("tokenizer exited with non-empty token stack")
        return real(text)

    monkeypatch.setattr(mwparserfromhell, "parse", parse)
    out = tmp_path / "lv.txt"
    info = wikipedia_to_text(tiny_dump, out)
    assert (info["failed_pages"], info["failed_titles"], info["pages"]) == (1, ["Daugava"], 2)
    assert out.read_text(encoding="utf-8") == TINY_TEXT.replace("Daugava ir upe Austrumeiropā. Tā ietek jūrā pie "
                                                                "Rīgas.\n", "")


def _big_dump(path, pages):
    """Stream a dump into bz2: mostly large talk pages (read, not parsed), some short articles; returns the
    size of its XML."""
    talk = "Diskusijas teksts ar [[saiti]] un {{veidni}}.\n" * 100
    size = 0
    with bz2.open(path, "wb", compresslevel=1) as handle:
        def write(text):
            nonlocal size
            size += handle.write(text.encode("utf-8"))

        write(HEADER + SITEINFO)
        for number in range(pages):
            if number % 10:
                write(page_xml(number, f"Diskusija:Lapa {number}", talk, ns=1))
            else:
                write(page_xml(number, f"Lapa {number}", f"'''Lapa {number}''' ir [[raksts]] par tēmu."))
        write(FOOTER)
    return size


def test_memory_does_not_grow_with_the_dump(tmp_path):
    dump = tmp_path / "big.xml.bz2"
    xml_size = _big_dump(dump, 1000)
    assert xml_size > 4_000_000
    tracemalloc.start()
    try:
        info = wikipedia_to_text(dump, tmp_path / "big.txt")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (info["pages"], info["skipped_other_namespaces"], info["lines"]) == (100, 900, 100)
    # about 0.2 MB are used; keeping the parsed pages would take more than the XML's size
    assert peak < 1_000_000, f"peak {peak} bytes for {xml_size} bytes of XML"


# --- the builder ------------------------------------------------------------------------------------------------

LATEST_SUMS = "https://dumps.wikimedia.org/lvwiki/latest/lvwiki-latest-sha1sums.txt"
DATED_DUMP = "https://dumps.wikimedia.org/lvwiki/20240601/lvwiki-20240601-pages-articles.xml.bz2"
DATED_SUMS = "https://dumps.wikimedia.org/lvwiki/20240601/lvwiki-20240601-sha1sums.txt"
LATEST_DUMP = "https://dumps.wikimedia.org/lvwiki/latest/lvwiki-latest-pages-articles.xml.bz2"


def serve(files):
    """A `get` over a dict of URL -> local file, recording each call."""
    calls = []

    def get(url, *, known_hash=None):
        calls.append((url, known_hash))
        if url not in files:
            raise FetchError(f"wikipedia lv: not found at {url} (HTTP 404)")
        return files[url]

    get.calls = calls
    return get


def sums_file(tmp_path, dump):
    sha1 = hashlib.sha1(dump.read_bytes()).hexdigest()
    path = tmp_path / "sha1sums.txt"
    path.write_text(f"{'0' * 40}  lvwiki-20240601-pages-articles-multistream.xml.bz2\n"
                    f"{sha1}  lvwiki-20240601-pages-articles.xml.bz2\n"
                    f"{'1' * 40}  lvwiki-20240601-pages-meta-current.xml.bz2\n", encoding="utf-8")
    return path, sha1


@pytest.mark.parametrize("date, sums_url", [("latest", LATEST_SUMS), ("20240601", DATED_SUMS)])
def test_build_checks_the_published_sha1(tiny_dump, tmp_path, date, sums_url):
    sums, sha1 = sums_file(tmp_path, tiny_dump)
    get = serve({sums_url: sums, DATED_DUMP: tiny_dump})
    out = tmp_path / "lv.txt"
    info = build("lv", out, get=get, date=date)
    assert get.calls == [(sums_url, None), (DATED_DUMP, f"sha1:{sha1}")]
    assert out.read_text(encoding="utf-8") == TINY_TEXT
    assert info == {**TINY_COUNTS, "upstream": [sums_url, DATED_DUMP], "dump_url": DATED_DUMP, "date": "20240601",
                    "checksum": f"sha1:{sha1}"}


def test_build_without_checksum_list(tiny_dump, tmp_path):
    get = serve({LATEST_DUMP: tiny_dump})
    info = build("lv", tmp_path / "lv.txt", get=get, max_tokens=20)
    assert get.calls == [(LATEST_SUMS, None), (LATEST_DUMP, None)]
    assert (info["checksum"], info["date"], info["lines"], info["truncated"]) == (None, "latest", 1, True)
    assert info["checksum_note"].startswith("no checksum: the checksum list could not be fetched (wikipedia lv: "
                                            f"not found at {LATEST_SUMS}")


def test_build_dated_dump_not_listed(tiny_dump, tmp_path):
    sums, _ = sums_file(tmp_path, tiny_dump)
    url = "https://dumps.wikimedia.org/lvwiki/20240520/lvwiki-20240520-sha1sums.txt"
    with pytest.raises(FetchError, match=r"lists no lvwiki-20240520-pages-articles\.xml\.bz2.*--date latest"):
        build("lv", tmp_path / "lv.txt", get=serve({url: sums}), date="20240520")


@pytest.mark.parametrize("lang, date, expected", [
    ("lv", "latest", ["https://dumps.wikimedia.org/lvwiki/latest/lvwiki-latest-pages-articles.xml.bz2",
                      "https://dumps.wikimedia.org/lvwiki/latest/lvwiki-latest-sha1sums.txt"]),
    ("mt", "20240601", ["https://dumps.wikimedia.org/mtwiki/20240601/mtwiki-20240601-pages-articles.xml.bz2",
                        "https://dumps.wikimedia.org/mtwiki/20240601/mtwiki-20240601-sha1sums.txt"]),
    ("zh-min-nan", "latest", [
        "https://dumps.wikimedia.org/zh_min_nanwiki/latest/zh_min_nanwiki-latest-pages-articles.xml.bz2",
        "https://dumps.wikimedia.org/zh_min_nanwiki/latest/zh_min_nanwiki-latest-sha1sums.txt"]),
    ("be-tarask", "latest", [
        "https://dumps.wikimedia.org/be_x_oldwiki/latest/be_x_oldwiki-latest-pages-articles.xml.bz2",
        "https://dumps.wikimedia.org/be_x_oldwiki/latest/be_x_oldwiki-latest-sha1sums.txt"]),
])
def test_dump_urls(lang, date, expected):
    assert dump_urls(lang, date) == expected
    assert wikipedia.urls(lang, date=date) == expected


@pytest.mark.parametrize("lang, date, message", [
    ("LV", "latest", "not a Wikipedia language code"),
    ("lv/../x", "latest", "not a Wikipedia language code"),
    ("", "latest", "not a Wikipedia language code"),
    ("lv", "2024-06-01", "not a Wikimedia dump date: expected 'latest' or YYYYMMDD"),
    ("lv", "Latest", "not a Wikimedia dump date"),
])
def test_bad_names_and_dates(lang, date, message):
    with pytest.raises(ValueError, match=message):
        dump_urls(lang, date)
