"""The Apertium builder (:mod:`offramp.bootstrap.data.apertium`), on a tiny bilingual dictionary (bidix) written
here in Apertium's XML format."""
import xml.etree.ElementTree as ET

import pytest

from offramp.bootstrap.data._errors import FetchError
from offramp.bootstrap.data.apertium import PAIRS, RAW_URL, build, pair_source, side_text, urls

BIDIX = """<?xml version="1.0" encoding="UTF-8"?>
<dictionary>
  <alphabet></alphabet>
  <sdefs><sdef n="n"/><sdef n="np"/><sdef n="loc"/><sdef n="adv"/><sdef n="num"/><sdef n="cnjcoo"/></sdefs>
  <pardefs>
    <pardef n="geology__n">
      <e r="LR"><p><l><s n="sg"/></l><r><s n="unc"/><s n="sg"/></r></p></e>
      <e><p><l>pardefword</l><r>notanentry</r></p></e>
    </pardef>
  </pardefs>
  <section id="main" type="standard">
    <e><p><l>etxe<s n="n"/></l><r>house<s n="n"/></r></p></e>
    <e r="LR"><p><l>etxe<s n="n"/></l><r>home<s n="n"/></r></p></e>
    <e r="RL"><p><l>etxebizitza<s n="n"/></l><r>house<s n="n"/></r></p></e>
    <e><p><l>Bilbo<s n="np"/><s n="loc"/></l><r>Bilbao<s n="np"/><s n="loc"/></r></p></e>
    <e a="author" c="a comment"><i>Aaliyah<s n="np"/></i></e>
    <e><p><l>ordu<s n="n"/></l><r>o'clock<s n="n"/></r></p></e>
    <e><p><l>koinata<s n="n"/></l><r>sister<g>-in-law</g><s n="n"/></r></p></e>
    <e><p><l>aurrez<b/>aurre<s n="adv"/></l><r>face<b/>to<b/>face<s n="adv"/></r></p></e>
    <e><p><l>zaparrada<s n="n"/></l><r>shower<b/><s n="n"/></r></p></e>
    <e><p><l>bost<s n="num"/></l><r>5<s n="num"/></r></p></e>
    <e><p><l>etxe<s n="n"/></l><r>house<s n="n"/></r></p><par n="geology__n"/></e>
    <e><p><l>Ibai</l><r>River</r></p></e>
    <e><p><l>eta<s n="cnjcoo"/></l><r>and<s n="cnjcoo"/></r></p></e>
    <e r="LR"><p><l>ez<s n="adv"/></l><r></r></p></e>
    <e><par n="geology__n"/></e>
    <e><p><l>ezin<j/>da</l><r>cannot</r></p></e>
  </section>
  <section id="regex" type="standard">
    <e><p><l>ordu<b/></l><r></r></p><re>[0-9]+</re><p><l><s n="num"/></l><r><b/>o'clock<s n="num"/></r></p></e>
    <e><p><l>Detektibe</l><r>Detective</r></p><re>[A-Z][a-z]*</re><p><l><s n="np"/></l><r><s n="np"/></r></p></e>
  </section>
</dictionary>
"""
# both directions' entries, lowercased (proper nouns too), single tokens only, sorted by code point
EXPECTED = ("aaliyah\taaliyah\nbilbo\tbilbao\ndetektibe\tdetective\neta\tand\netxe\thome\netxe\thouse\n"
            "etxebizitza\thouse\nibai\triver\nordu\to'clock\n")


class Upstream:
    """An offline upstream: every URL asked for is served ``path``; the hashes asked with are kept."""

    def __init__(self, path):
        self.path, self.asked = path, []

    def get(self, url, *, known_hash=None):
        self.asked.append((url, known_hash))
        return self.path


@pytest.fixture
def bidix(tmp_path):
    path = tmp_path / "apertium-eu-en.eu-en.dix"
    path.write_text(BIDIX, encoding="utf-8")
    return path


@pytest.mark.parametrize("options, url, known", [
    ({}, RAW_URL.format(repository="apertium/apertium-eu-en", revision=PAIRS["eu-en"].revision,
                        path="apertium-eu-en.eu-en.dix"), "sha256:" + PAIRS["eu-en"].sha256),
    ({"revision": "main"}, "https://raw.githubusercontent.com/apertium/apertium-eu-en/main/apertium-eu-en.eu-en.dix",
     None),
], ids=["pinned", "branch"])
def test_build(bidix, tmp_path, options, url, known):
    up = Upstream(bidix)
    out = tmp_path / "eu-en.tsv"
    info = build("eu-en", out, get=up.get, **options)
    assert out.read_text(encoding="utf-8") == EXPECTED
    assert up.asked == [(url, known)]
    assert info == {"upstream": [url], "lines": 9, "entries": 18, "not_single": 7, "no_pair": 1}


def test_build_another_pair_by_its_repository(bidix, tmp_path):
    up = Upstream(bidix)
    build("mt-en", tmp_path / "mt-en.tsv", get=up.get, repository="apertium/apertium-mlt-eng",
          path="apertium-mlt-eng.mlt-eng.dix", revision="main")
    assert up.asked == [("https://raw.githubusercontent.com/apertium/apertium-mlt-eng/main/"
                         "apertium-mlt-eng.mlt-eng.dix", None)]


@pytest.mark.parametrize("text, message", [
    ("<dictionary><section><e><p><l>a</l><r>b</r></p></e>\n</section>\n<section>", r"line 3: not well-formed XML"),
    ("<html><body>404: Not Found</body></html>", r"is not an Apertium dictionary"),
    ("<dictionary><pardefs/></dictionary>", r"is not an Apertium dictionary"),
])
def test_bad_upstream_content(tmp_path, text, message):
    path = tmp_path / "bad.dix"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(FetchError, match=message):
        build("is-en", tmp_path / "out.tsv", get=Upstream(path).get)


def test_unknown_pair(tmp_path):
    with pytest.raises(FetchError, match=r"'mt-en': not a pair offramp knows \(cy-en, eu-en, is-en\)"):
        build("mt-en", tmp_path / "out.tsv", get=Upstream(tmp_path).get)


@pytest.mark.parametrize("xml, expected", [
    ("<l>etxe<s n='n'/></l>", "etxe"),
    ("<r>face<b/>to<b/>face<s n='adv'/></r>", "face to face"),
    ("<r>shower<b/><s n='n'/></r>", "shower "),
    ("<r>sister<g><b/>in<b/>law</g><s n='n'/></r>", "sister# in law"),
    ("<l>ezin<j/>da</l>", "ezin#da"),
    ("<i>Aaliyah<s n='np'/></i>", "Aaliyah"),
])
def test_side_text(xml, expected):
    assert side_text(ET.fromstring(xml)) == expected


def test_sources():
    assert sorted(PAIRS) == ["cy-en", "eu-en", "is-en"]
    assert urls("cy-en") == ["https://raw.githubusercontent.com/apertium/apertium-cym-eng/"
                             f"{PAIRS['cy-en'].revision}/apertium-cym-eng.cym-eng.dix"]
    assert pair_source("is-en", revision="main") == (
        "https://raw.githubusercontent.com/apertium/apertium-isl-eng/main/apertium-isl-eng.isl-eng.dix", None)
    assert pair_source("is-en")[1] == "sha256:" + PAIRS["is-en"].sha256
