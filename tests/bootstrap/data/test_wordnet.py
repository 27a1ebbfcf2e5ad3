"""The wordnet builders (:mod:`offramp.bootstrap.data.wordnet`): OMW joined to PWN 3.0, on tiny zips laid
out as NLTK serves ``wordnet``, ``omw-1.4`` and ``extended_omw`` (with a tiny NLTK index giving their
MD5s), and the Irish wordnet, on tiny ``ga-data.*.po`` files in the LSG's layout."""
import hashlib
import zipfile

import pytest

from offramp.bootstrap.data import wordnet
from offramp.bootstrap.data._errors import FetchError
from offramp.bootstrap.data.wordnet import (LSG_FILES, LSG_RAW_URL, LSG_REPOSITORY, LSG_REVISION, NLTK_INDEX_URL,
                                            NLTK_PACKAGE_URL, build_lsg, build_omw, read_omw_tab, split_omw_name,
                                            urls)

LICENCE = ("  1 This software and database is being provided to you, the LICENSEE, by  \n"
           "  2 Princeton University under the following license.  \n")


def _data(*lines):
    return LICENCE + "".join(line + "  \n" for line in lines)


# PWN 3.0 data files: offset lex_filenum ss_type w_cnt(hex) word lex_id ... | gloss
PWN = {
    "data.noun": _data(
        "02084071 05 n 03 dog 0 domestic_dog 0 Canis_familiaris 0 001 @ 02083346 n 0000 | a member of the genus Canis",
        # eleven words: w_cnt is hexadecimal
        "01322604 05 n 0b pup 0 puppy 0 whelp 0 young_dog 0 cub 0 kit 0 kitten_like 0 x_y 0 z_z 0 a_b 0 c_d 0 000 "
        "| a young dog",
        "06831177 10 n 02 A 0 a 0 000 | the 1st letter of the Roman alphabet"),
    "data.verb": _data("01835496 38 v 04 travel 0 go 0 move 0 locomote 0 000 | change location"),
    # an adjective satellite (s), whose second word carries a syntactic marker
    "data.adj": _data("00001740 00 a 01 able 0 000 | having the necessary means",
                      "00004171 00 s 02 moribund 0 dying(a) 0 000 | being on the point of death"),
    "data.adv": _data("00005567 02 r 01 a_cappella 0 000 | without musical accompaniment"),
}

OMW = {
    "omw-1.4/ita/wn-data-ita.tab": (
        "# MultiWordNet\tita\thttp://multiwordnet.fbk.eu\tCC BY 3.0\n"
        "02084071-n\tita:lemma\tcane\n02084071-n\tita:lemma\tCane\n02084071-n\tita:def\tun animale domestico\n"
        "01322604-n\tita:lemma\tcucciolo\n00004171-a\tita:lemma\tmoribondo\n01835496-v\tita:lemma\tandare\n"
        "01835496-v\tita:lemma\tandare via\n06831177-n\tita:lemma\tA\n00005567-r\tita:lemma\ta cappella\n"
        "99999999-n\tita:lemma\tfantasma\nnot a line\n"),
    "omw-1.4/iwn/wn-data-ita.tab": "# ItalWordNet\tita\turl\tODC-BY\n02084071-n\tita:lemma\tcagnolino\n",
    "omw-1.4/fra/wn-data-fra.tab": "# WOLF\tfra\turl\tCeCILL-C\n02084071-n\tfra:lemma\tchien\n",
    "omw-1.4/README": "Open Multilingual Wordnet\n",
}
EXTENDED = {
    "extended_omw/wikt/wn-wikt-fin.tab": ("# Wiktionary\tfin\thttp://wiktionary.org/\tCC BY-SA\n"
                                          "02084071-n\tfin:lemma\tkoira\n00001740-a\tfin:lemma\tkykenevä\n"
                                          "00001740-a\tfin:lemma\tpystyvä\n"),
    "extended_omw/wikt/wn-wikt-deu.tab": "# Wiktionary\tdeu\turl\tCC BY-SA\n02084071-n\tdeu:def\tein Tier\n",
    "extended_omw/cldr/wn-cldr-fin.tab": "# CLDR\tfin\turl\tunicode\n02084071-n\tfin:lemma\tCLDR-koira\n",
}

# every single-token English lemma of a synset with every Italian one; "A" and "a" are one word
EXPECTED_IT = ("a\ta\ncub\tcucciolo\ndog\tcane\ndying\tmoribondo\ngo\tandare\nkit\tcucciolo\nlocomote\tandare\n"
               "moribund\tmoribondo\nmove\tandare\npup\tcucciolo\npuppy\tcucciolo\ntravel\tandare\nwhelp\tcucciolo\n")


class Upstream:
    """An offline upstream: URL -> local file, checking ``known_hash`` unless told not to."""

    def __init__(self, verify=True):
        self.files, self.asked, self.verify = {}, [], verify

    def get(self, url, *, known_hash=None):
        self.asked.append((url, known_hash))
        path = self.files[url]
        if known_hash is not None and self.verify:
            algorithm, digest = known_hash.split(":")
            assert hashlib.new(algorithm, path.read_bytes()).hexdigest() == digest, url
        return path


def _zip(path, members):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return path


def _index(up, folder, packages):
    rows = []
    for package, path in packages.items():
        url = NLTK_PACKAGE_URL.format(package=package)
        up.files[url] = path
        rows.append(f'<package id="{package}" name="{package}" unzip="0" subdir="corpora" '
                    f'checksum="{hashlib.md5(path.read_bytes()).hexdigest()}" url="{url}" />')
    index = folder / "index.xml"
    index.write_text('<?xml version="1.0"?>\n<nltk_data>\n<packages>\n' + "\n".join(rows)
                     + "\n</packages>\n<collections />\n</nltk_data>\n", encoding="utf-8")
    up.files[NLTK_INDEX_URL] = index


@pytest.fixture
def omw(tmp_path):
    up = Upstream()
    pwn = {f"wordnet/{name}": text for name, text in PWN.items()}
    up.zips = {"wordnet": _zip(tmp_path / "wordnet.zip", {**pwn, "wordnet/LICENSE": "WordNet 3.0 licence"}),
               "omw-1.4": _zip(tmp_path / "omw-1.4.zip", OMW),
               "extended_omw": _zip(tmp_path / "extended_omw.zip", EXTENDED)}
    _index(up, tmp_path, up.zips)
    return up


@pytest.mark.parametrize("name, options, expected", [
    ("en-it.wn", {}, EXPECTED_IT),
    ("en-it.wn", {"project": "iwn"}, "dog\tcagnolino\n"),
    ("en-ita.wn", {}, EXPECTED_IT),
    ("en-fr.wn", {}, "dog\tchien\n"),
    ("en-fi.wikt", {}, "able\tkykenevä\nable\tpystyvä\ndog\tkoira\n"),
], ids=["it", "it-iwn", "ita", "fr", "fi-wikt"])
def test_build_omw(omw, tmp_path, name, options, expected):
    out = tmp_path / "out.tsv"
    info = build_omw(name, out, get=omw.get, **options)
    assert out.read_text(encoding="utf-8") == expected
    assert info["lines"] == expected.count("\n")
    package = "extended_omw" if name.endswith(".wikt") else "omw-1.4"
    assert info["upstream"] == [NLTK_INDEX_URL, NLTK_PACKAGE_URL.format(package=package),
                                NLTK_PACKAGE_URL.format(package="wordnet")]
    # both zips are checked against the index's MD5
    assert all(known.startswith("md5:") for url, known in omw.asked if url != NLTK_INDEX_URL)


def test_build_omw_counts(omw, tmp_path):
    info = build_omw("en-it.wn", tmp_path / "out.tsv", get=omw.get)
    assert info["member"] == "omw-1.4/ita/wn-data-ita.tab"
    assert (info["lemmas"], info["other"], info["malformed"]) == (9, 1, 1)
    # synsets with a single-token Italian lemma; one of them is not in PWN 3.0
    assert (info["synsets"], info["unmatched_synsets"]) == (6, 1)


def test_an_ambiguous_language_needs_a_project(omw, tmp_path, monkeypatch):
    monkeypatch.setattr(wordnet, "WORDNET_PROJECTS", {})
    with pytest.raises(FetchError, match=r"several wn-data-ita.tab \(omw-1.4/ita/wn-data-ita.tab, "
                                         r"omw-1.4/iwn/wn-data-ita.tab\); choose one with project="):
        build_omw("en-it.wn", tmp_path / "out.tsv", get=omw.get)


@pytest.mark.parametrize("name, options, message", [
    ("en-de.wn", {}, r"has no wn-data-deu.tab: OMW has no such wordnet; its files: wn-data-fra.tab, wn-data-ita"),
    ("en-it.wn", {"project": "mcr"}, r"has no mcr/wn-data-ita.tab \(files of that name: omw-1.4/ita/"),
    ("en-de.wikt", {}, r"wn-wikt-deu.tab\): no OFFSET-POS<TAB>LANG:lemma<TAB>word lines"),
    ("en-fi.wordnet", {}, r"expected en-XX.wn or en-XX.wikt"),
    ("en-xx.wn", {}, r"no OMW code known for 'xx'"),
])
def test_omw_names_and_files_upstream_lacks(omw, tmp_path, name, options, message):
    with pytest.raises(FetchError, match=message):
        build_omw(name, tmp_path / "out.tsv", get=omw.get, **options)


def test_omw_bad_upstream_content(omw, tmp_path):
    _zip(omw.zips["wordnet"], {"wordnet/data.noun": PWN["data.noun"]})
    _index(omw, tmp_path, omw.zips)
    with pytest.raises(FetchError, match="lacks data.verb, data.adj, data.adv: it is not Princeton WordNet"):
        build_omw("en-fr.wn", tmp_path / "out.tsv", get=omw.get)
    _zip(omw.zips["wordnet"], {f"wordnet/{name}": text for name, text in PWN.items()}
         | {"wordnet/data.adv": _data("00005567 02 r zz a_cappella 0 000 | bad count")})
    _index(omw, tmp_path, omw.zips)
    with pytest.raises(FetchError, match=r"wordnet/data.adv line 3: not a WordNet data line"):
        build_omw("en-fr.wn", tmp_path / "out.tsv", get=omw.get)
    omw.zips["wordnet"].write_bytes(b"<html>not found</html>")
    _index(omw, tmp_path, omw.zips)
    with pytest.raises(FetchError, match="not a zip archive"):
        build_omw("en-fr.wn", tmp_path / "out.tsv", get=omw.get)
    _index(omw, tmp_path, {"wordnet": omw.zips["wordnet"]})
    with pytest.raises(FetchError, match="has no package 'omw-1.4'"):
        build_omw("en-fr.wn", tmp_path / "out.tsv", get=omw.get)
    omw.files[NLTK_INDEX_URL].write_text("<nltk_data><packages>\n<package id='x'>\n</nltk_data>")
    with pytest.raises(FetchError, match=r"line 3: not NLTK's XML index"):
        build_omw("en-fr.wn", tmp_path / "out.tsv", get=omw.get)


def test_read_omw_tab_maps_satellites_to_adjectives():
    synsets, counts = read_omw_tab(["# header\n", "00004171-s\tita:lemma\tmoribondo\n", "\n",
                                    "00004171-a\tita:lemma\tMoribondo\n", "00001740-n\tlemma\tentity\n"])
    assert synsets == {"00004171-a": ["moribondo"], "00001740-n": ["entity"]}
    assert counts == {"lemmas": 3, "other": 0, "malformed": 0}


# The LSG's gettext files: per synset, a comment with the Irish words, one with the English words,
# msgctxt "OFFSET POS", then the gloss and its translation.
PO_HEADER = 'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
LSG = {
    "ga-data.noun.po": PO_HEADER + (
        '# ailm, ailm\n# A, a\nmsgctxt "06831177 n"\nmsgid "the 1st letter of the Roman alphabet"\nmsgstr ""\n\n'
        '# madra, gadhar, madra rua\n# dog, domestic dog, Canis familiaris\nmsgctxt "02084071 n"\n'
        'msgid ""\n"a member of the genus Canis"\nmsgstr ""\n"ball den ghéineas Canis"\n'),
    "ga-data.verb.po": PO_HEADER + '# téigh, gluais\n# travel, go\nmsgctxt "01835496 v"\nmsgid "change location"\n'
                                   'msgstr ""\n',
    "ga-data.adj.po": '# ar an dé deiridh, díbheo\n# moribund\nmsgctxt "00004171 s"\nmsgid "near death"\nmsgstr ""\n',
    # a block without its Irish words is skipped
    "ga-data.adv.po": '# a cappella\nmsgctxt "00005567 r"\nmsgid "without accompaniment"\nmsgstr ""\n\n'
                      '# go deo\n# forever, ever\nmsgctxt "00019339 r"\nmsgid "for all time"\nmsgstr ""\n',
}
EXPECTED_GA = "a\tailm\ndog\tgadhar\ndog\tmadra\ngo\tgluais\ngo\ttéigh\nmoribund\tdíbheo\ntravel\tgluais\n" \
              "travel\ttéigh\n"


@pytest.fixture
def lsg(tmp_path):
    up = Upstream(verify=False)
    for revision in ("test", LSG_REVISION):
        for file, text in LSG.items():
            path = tmp_path / file
            path.write_text(text, encoding="utf-8")
            up.files[LSG_RAW_URL.format(repository=LSG_REPOSITORY, revision=revision, file=file)] = path
    return up


def test_build_lsg(lsg, tmp_path):
    out = tmp_path / "en-ga.tsv"
    info = build_lsg("en-ga", out, get=lsg.get, revision="test")
    assert out.read_text(encoding="utf-8") == EXPECTED_GA
    assert (info["lines"], info["synsets"], info["skipped"]) == (8, 5, 1)
    assert info["upstream"] == urls("en-ga", kind="lsg", revision="test")
    # another revision than the pinned one is read unchecked
    assert [known for _, known in lsg.asked] == [None] * 4


def test_build_lsg_checks_the_pinned_revision(lsg, tmp_path):
    build_lsg("en-ga", tmp_path / "en-ga.tsv", get=lsg.get)
    assert [known for _, known in lsg.asked] == [f"sha256:{digest}" for digest in LSG_FILES.values()]
    assert all(f"/{LSG_REPOSITORY}/{LSG_REVISION}/ga-data." in url for url, _ in lsg.asked)


def test_lsg_bad_input(lsg, tmp_path):
    with pytest.raises(FetchError, match="one entry, 'en-ga'"):
        build_lsg("ga-en", tmp_path / "out.tsv", get=lsg.get)
    url = LSG_RAW_URL.format(repository=LSG_REPOSITORY, revision="test", file="ga-data.verb.po")
    lsg.files[url].write_text("<html>404: Not Found</html>\n", encoding="utf-8")
    with pytest.raises(FetchError, match=r"ga-data.verb.po: no synset blocks .* not one of the LSG's ga-data files"):
        build_lsg("en-ga", tmp_path / "out.tsv", get=lsg.get, revision="test")
    lsg.files[url].write_bytes(b'# t\xe9igh\n# go\nmsgctxt "01835496 v"\n')
    with pytest.raises(FetchError, match="line 1: not UTF-8"):
        build_lsg("en-ga", tmp_path / "out.tsv", get=lsg.get, revision="test")


def test_names_and_urls():
    assert split_omw_name("en-sl.wn") == ("slv", "wn")
    assert split_omw_name("en-mt.wikt") == ("mlt", "wikt")
    assert urls("en-fi.wikt") == [NLTK_INDEX_URL, NLTK_PACKAGE_URL.format(package="wordnet"),
                                  NLTK_PACKAGE_URL.format(package="extended_omw")]
    assert urls("en-ga", kind="lsg")[0] == (f"https://raw.githubusercontent.com/{LSG_REPOSITORY}/{LSG_REVISION}/"
                                            "ga-data.noun.po")
