"""The SWORD Bible builder (:mod:`offramp.bootstrap.data.sword`), on tiny modules written here in the
formats CrossWire serves (rawText and zText data files, a mods.d conf, zipped)."""
import zipfile

import pytest

from fixtures.upstream import write_module
from offramp.bootstrap.data._errors import FetchError
from offramp.bootstrap.data.sword import RAWZIP_URL, build, clean_verse, split_name, urls

OSIS_VERSES = {
    ("Gen", 1, 1): '<w lemma="strong:H07225">In the beginning</w> <w lemma="strong:H0430">God</w> created.',
    ("Gen", 1, 2): 'And the earth<note type="study">Or, <hi type="italic">land</hi></note> was\twithout\nform.',
    ("Gen", 1, 3): '<note type="x-strongsMarkup">only a note</note>',  # empty once cleaned: skipped
    ("Gen", 2, 1): '<title type="psalm" canonical="true">A heading</title>Thus the heavens &amp; earth.',
    ("John", 1, 1): '<l level="1">In the beginning was the Word,</l><l level="1">and the Word was God.</l>',
    ("John", 3, 16): 'For God so loved<lb/>the world, <q who="Jesus" marker="">that he gave</q>.',
}
OSIS_TSV = ("Gen.1.1\tIn the beginning God created.\n"
            "Gen.1.2\tAnd the earth was without form.\n"
            "Gen.2.1\tThus the heavens & earth.\n"
            "John.1.1\tIn the beginning was the Word, and the Word was God.\n"
            "John.3.16\tFor God so loved the world, that he gave.\n")

THML_VERSES = {
    ("Matt", 1, 1): 'The book<scripRef passage="Luke 3:23">Lk 3:23</scripRef> of the <i>generation</i>'
                    '<br/>of Jesus.',
    ("Matt", 1, 2): "  ",
    ("Rev", 22, 21): "The grace <font color=\"red\">be</font> with you. Amen.",
}
THML_TSV = "Matt.1.1\tThe book of the generation of Jesus.\nRev.22.21\tThe grace be with you. Amen.\n"


def _get(files):
    def get(url, *, known_hash=None):
        return files[url]
    return get


@pytest.mark.parametrize("driver, compress", [("RawText", None), ("zText", "ZIP"), ("zText", "BZIP2")])
def test_build_osis_module(tmp_path, driver, compress):
    url = RAWZIP_URL.format(module="TestKJV")
    module = write_module(tmp_path / "TestKJV.zip", "TestKJV", OSIS_VERSES, driver=driver, compress=compress)
    out = tmp_path / "en.TestKJV.tsv"
    info = build("en.TestKJV", out, get=_get({url: module}))
    assert out.read_bytes().decode("utf-8") == OSIS_TSV
    assert info == {"upstream": [url], "lines": 5, "skipped_empty": 31102 - 5, "module": "TestKJV", "lang": "en",
                    "version": "1.2", "licence": "Public Domain", "description": "A test Bible",
                    "versification": "KJV", "source_type": "OSIS", "warnings": []}


def test_build_thml_nt_only_module_with_other_language(tmp_path):
    # an NT-only module: pysword opens only the testament whose files exist
    module = write_module(tmp_path / "Lat.zip", "Lat", THML_VERSES, source_type="ThML", lang="lv")
    out = tmp_path / "out.tsv"
    info = build("et.lat", out, get=_get({RAWZIP_URL.format(module="lat"): module}))  # SWORD names ignore case
    assert out.read_text(encoding="utf-8") == THML_TSV
    assert info["lines"] == 2 and info["skipped_empty"] == 7957 - 2 and info["module"] == "Lat"
    assert info["warnings"] == ["module Lat declares Lang=lv, not 'et' as its catalogue name says"]


def test_versification_order(tmp_path):
    # NRSVA puts the deuterocanonical books after Malachi: Tob comes before Matt
    verses = {("Matt", 1, 1): "Matthew.", ("Tob", 1, 1): "Tobit.", ("Gen", 1, 1): "Genesis."}
    url = RAWZIP_URL.format(module="Deut")
    module = write_module(tmp_path / "m.zip", "Deut", verses, versification="NRSVA")
    info = build("en.Deut", tmp_path / "out.tsv", get=_get({url: module}))
    expected = "Gen.1.1\tGenesis.\nTob.1.1\tTobit.\nMatt.1.1\tMatthew.\n"
    assert (tmp_path / "out.tsv").read_text(encoding="utf-8") == expected
    assert info["versification"] == "NRSVA"


@pytest.mark.parametrize("text, expected", [
    ("plain  text\twith\r\nbreaks ", "plain text with breaks"),
    ('<divineName type="x-yhwh">Lord</divineName> said', "Lord said"),
    ("a<milestone type=\"x-p\" marker=\"¶\"/>b", "a b"),
    ("x &lt;y&gt; &quot;z&quot;", 'x <y> "z"'),
    ("<unknown attr='1'>kept</unknown> text", "kept text"),
])
def test_clean_verse(text, expected):
    from pysword.cleaner import OSISCleaner

    assert clean_verse(text, OSISCleaner()) == expected


def test_names_and_urls():
    assert split_name("lv.LvGluck8") == ("lv", "LvGluck8")
    assert urls("en.KJV") == ["https://crosswire.org/ftpmirror/pub/sword/packages/rawzip/KJV.zip"]
    with pytest.raises(ValueError, match="LANG.MODULE"):
        urls("KJV")


def _not_a_zip(path):
    path.write_bytes(b"<html>not found</html>")


def _no_mods_d(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")


def _commentary(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mods.d/mod.conf", "[Mod]\nDataPath=./modules/comments/zcom/mod/\nModDrv=zCom\n")


def _other_module(path):
    write_module(path, "Other", OSIS_VERSES)


def _locked(path):
    write_module(path, "Mod", OSIS_VERSES, extra_conf="CipherKey=\n")


def _no_data(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mods.d/mod.conf", "[Mod]\nDataPath=./modules/texts/rawtext/mod/\nModDrv=RawText\n")


@pytest.mark.parametrize("make, message", [
    (_not_a_zip, r"Mod\.zip \(from https://\S+/Mod\.zip\) is not a SWORD module zip \(File is not a zip file\)"),
    (_no_mods_d, r"is not a SWORD module zip: it has no mods\.d/"),
    (_commentary, r"module Mod is not a Bible text module \(ModDrv=zCom"),
    (_other_module, r"holds no SWORD module 'Mod' \(modules found: Other\)"),
    (_locked, r"module Mod is locked"),
    (_no_data, r"module Mod cannot be read by pysword"),
])
def test_bad_upstream(tmp_path, make, message):
    path = tmp_path / "Mod.zip"
    make(path)
    out = tmp_path / "out.tsv"
    with pytest.raises(FetchError, match=message):
        build("en.Mod", out, get=_get({RAWZIP_URL.format(module="Mod"): path}))


def test_build_rejects_unknown_options(tmp_path):
    with pytest.raises(TypeError, match="no options"):
        build("en.KJV", tmp_path / "out.tsv", get=_get({}), release="2")
