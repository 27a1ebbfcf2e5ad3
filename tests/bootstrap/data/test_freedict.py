"""The FreeDict builders (:mod:`offramp.bootstrap.data.freedict`), on tiny TEI P5 dictionaries written here,
packed as FreeDict packs its source releases (``PACKAGE/PACKAGE.tei`` in a tar.xz or zip) and listed in a
tiny copy of FreeDict's JSON database."""
import hashlib
import json
import tarfile
import zipfile

import pytest

from offramp.bootstrap.data._errors import FetchError
from offramp.bootstrap.data.freedict import (DATABASE_URL, ISO639_3, build, build_pairs, close_names, headword,
                                             known_hash, latest_release, pair_packages, single_token, translations,
                                             urls)

TEI_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<TEI xmlns="http://www.tei-c.org/ns/1.0">\n'
            "<teiHeader><fileDesc><titleStmt><title>Test</title></titleStmt></fileDesc></teiHeader>\n"
            "<text><body>\n")
TEI_TAIL = "</body></text>\n</TEI>\n"


def entry(orths, *senses):
    """A TEI entry: ``orths`` its headwords, each sense a list of translations (str) or ('def', text)."""
    form = "".join(f"<orth>{orth}</orth>" for orth in orths)
    body = ""
    for sense in senses:
        inner = ""
        for item in sense:
            if isinstance(item, tuple):
                inner += f"<{item[0]}>{item[1]}</{item[0]}>"
            else:
                inner += f'<cit type="trans"><quote>{item}</quote></cit>'
        body += f"<sense>{inner}</sense>"
    return f"<entry><form>{form}<pron>x</pron></form><gramGrp><pos>n</pos></gramGrp>{body}</entry>\n"


# eng-gle: headwords lose hyphens and apostrophes (dictd's index), translations keep inner ones
ENG_GLE = TEI_HEAD + "".join([
    entry(["Abbess"], ["Ban-ab", "máthairab"]),
    entry(["o'clock"], ["uair"]),
    entry(["sea-dog"], ["rón (ainmhí)"]),
    entry(["ice cream"], ["uachtar reoite"]),                 # multiword headword: dropped
    entry(["house"], ["teach", "áras, árasán; teaghlach"]),     # split at , and ;
    entry(["house"], ["teach"]),                                # a duplicate pair
    entry(["door2"], ["doras"]),                                # digits: not a word
]) + TEI_TAIL

# gle-eng: English translations lose a leading "to", asides, end punctuation; U+2010 becomes "-"
GLE_ENG = TEI_HEAD + "".join([
    entry(["ban-ab"], ["abbess"]),
    entry(["téigh"], ["to go", "(fig.) to leave!"]),
    entry(["rón"], ["seal", "sea\u2010dog"]),
    entry(["teach"], ["house", "... home"]),
    entry(["uair"], ["hour", "'time'", "o'clock"]),
    entry(["ana-"], ["very", "-able"]),                         # "-able": an affix, not a word
    entry(["Mrs"], ["Mrs."]),
    entry(["feic"], [("def", "see"), ("def", "a long definition")]),
    # an example's translation is not the headword's
    "<entry><form><orth>dubh</orth></form><sense><cit type=\"trans\"><quote>black</quote></cit>"
    "<cit type=\"example\"><quote>dubh dorcha</quote><cit type=\"trans\"><quote>pitch</quote></cit></cit>"
    "<sense n=\"2\"><cit type=\"trans\"><quote>dark\nsable</quote></cit></sense></sense></entry>\n",
]) + TEI_TAIL

# sorted by code point: "á" comes after "t"
EXPECTED_ENG_GLE = ("abbess\tban-ab\nabbess\tmáthairab\nhouse\tteach\nhouse\tteaghlach\nhouse\táras\n"
                    "house\tárasán\noclock\tuair\nseadog\trón\n")
EXPECTED_GLE_ENG = ("ana\tvery\nbanab\tabbess\ndubh\tblack\ndubh\tdark\ndubh\tsable\nfeic\tsee\nmrs\tmrs\n"
                    "rón\tsea-dog\nrón\tseal\nteach\thome\nteach\thouse\ntéigh\tgo\ntéigh\tleave\nuair\thour\n"
                    "uair\to'clock\nuair\ttime\n")


def _tar(path, package, tei):
    member = path.parent / f"{package}.tei"
    member.write_text(tei, encoding="utf-8")
    with tarfile.open(path, "w:xz") as archive:
        archive.add(member, arcname=f"{package}/{package}.tei")
    member.unlink()
    return path


def _zip(path, package, tei):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(f"{package}/README", "not the dictionary")
        archive.writestr(f"{package}/{package}.tei", tei)
    return path


class Upstream:
    """An offline upstream: URL -> local file, checking ``known_hash`` as the real downloader does."""

    def __init__(self):
        self.files, self.asked = {}, []

    def add(self, url, path):
        self.files[url] = path
        return url

    def get(self, url, *, known_hash=None):
        self.asked.append((url, known_hash))
        path = self.files[url]
        if known_hash is not None:
            algorithm, digest = known_hash.split(":")
            assert hashlib.new(algorithm, path.read_bytes()).hexdigest() == digest, url
        return path


def _release(url, path, version, date="2024-01-01", platform="src"):
    return {"URL": url, "checksum": hashlib.sha512(path.read_bytes()).hexdigest(), "date": date,
            "platform": platform, "size": str(path.stat().st_size), "version": version}


@pytest.fixture
def upstream(tmp_path):
    """eng-gle (tar.xz, with an older release listed too) and gle-eng (zip) in a database with FreeDict's
    own software entry and a dictd release."""
    up = Upstream()
    base = "https://download.freedict.org/dictionaries"
    eng_gle = _tar(tmp_path / "freedict-eng-gle-0.3.2.src.tar.xz", "eng-gle", ENG_GLE)
    gle_eng = _zip(tmp_path / "freedict-gle-eng-0.2.src.zip", "gle-eng", GLE_ENG)
    old = tmp_path / "old.tar.xz"
    old.write_bytes(b"an older release, never read")
    database = [
        {"software": {"tools": {"URL": "https://example.org/tools.tar.gz"}}},
        {"name": "eng-gle", "headwords": "7", "edition": "0.3.2", "releases": [
            _release(f"{base}/eng-gle/0.3.1/old.src.tar.xz", old, "0.3.1", date="2017-01-01"),
            _release(up.add(f"{base}/eng-gle/0.3.2/{eng_gle.name}", eng_gle), eng_gle, "0.3.2"),
            _release(f"{base}/eng-gle/0.3.2/dictd.tar.xz", old, "0.3.2", date="2025-01-01", platform="dictd")]},
        {"name": "gle-eng", "headwords": "9", "releases": [
            _release(up.add(f"{base}/gle-eng/0.2/{gle_eng.name}", gle_eng), gle_eng, "0.2")]},
        {"name": "gle-pol", "headwords": "1", "releases": [
            _release(f"{base}/gle-pol/0.1/x.dictd.tar.xz", old, "0.1", platform="dictd")]},
        {"name": "eng-swe", "headwords": "1", "releases": []},
    ]
    db = tmp_path / "freedict-database.json"
    db.write_text(json.dumps(database), encoding="utf-8")
    up.add(DATABASE_URL, db)
    return up


@pytest.mark.parametrize("package, expected", [("eng-gle", EXPECTED_ENG_GLE), ("gle-eng", EXPECTED_GLE_ENG)],
                         ids=["eng-gle", "gle-eng"])
def test_build_pairs_converts_a_source_release(upstream, tmp_path, package, expected):
    out = tmp_path / "out.tsv"
    info = build_pairs(package, out, get=upstream.get)
    assert out.read_text(encoding="utf-8") == expected
    assert info["lines"] == expected.count("\n")
    assert info["upstream"][0] == DATABASE_URL and info["upstream"][1].endswith(".src." + (
        "tar.xz" if package == "eng-gle" else "zip"))
    assert info["release"]["checksum"] == "sha512"
    # the newest source release, checked against the database's checksum
    assert all(hash_ is not None for url, hash_ in upstream.asked if url != DATABASE_URL)
    assert not any("0.3.1" in url or "dictd" in url for url, _ in upstream.asked)


def _swap(text):
    return sorted("\t".join(line.split("\t")[::-1]) for line in text.splitlines())


def test_build_en_xx_is_the_union_of_both_directions(upstream, tmp_path):
    out = tmp_path / "en-ga.tsv"
    info = build("en-ga", out, get=upstream.get)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines == sorted(set(EXPECTED_ENG_GLE.splitlines()) | set(_swap(EXPECTED_GLE_ENG)))
    assert info["combined"] == "union" and set(info["packages"]) == {"eng-gle", "gle-eng"}


def test_build_both_keeps_the_pairs_of_both_directions(upstream, tmp_path):
    out = tmp_path / "en-ga.both.tsv"
    build("en-ga.both", out, get=upstream.get)
    assert out.read_text(encoding="utf-8") == "house\tteach\n"


def test_build_with_one_direction_upstream(upstream, tmp_path):
    """en-sv: FreeDict has eng-swe (here empty of source releases) -> a clear error; en-XX.both needs both."""
    with pytest.raises(FetchError, match="no source"):
        build("en-sv", tmp_path / "x.tsv", get=upstream.get)
    with pytest.raises(FetchError, match=r"needs both directions and FreeDict has no swe-eng"):
        build("en-sv.both", tmp_path / "x.tsv", get=upstream.get)


@pytest.mark.parametrize("kind, name, message", [
    ("pairs", "gle-eno", r"'gle-eno': FreeDict has no such dictionary; close names: gle-eng"),
    ("pairs", "pol-gle", r"close names: .*gle-pol"),
    ("pairs", "gle-pol", r"no source \(TEI\) release, only dictd"),
    ("pairs", "gle_eng", r"expected a FreeDict package name AAA-BBB"),
    ("en", "en-xx", r"no ISO 639-3 code known for 'xx'"),
    ("en", "en-fr.all", r"expected en-XX or en-XX.both"),
    ("en", "en-fi", r"needs one direction and FreeDict has no eng-fin and no fin-eng"),
])
def test_names_upstream_does_not_have(upstream, tmp_path, kind, name, message):
    builder = build_pairs if kind == "pairs" else build
    with pytest.raises(FetchError, match=message):
        builder(name, tmp_path / "x.tsv", get=upstream.get)


def test_bad_upstream_content(upstream, tmp_path):
    base = "https://download.freedict.org/dictionaries/eng-gle/0.3.2/freedict-eng-gle-0.3.2.src.tar.xz"
    path = upstream.files[base]
    database = json.loads(upstream.files[DATABASE_URL].read_text())

    def release_is(tei=None, raw=None):
        if raw is None:
            _tar(path, "eng-gle", tei)
        else:
            path.write_bytes(raw)
        database[1]["releases"][1]["checksum"] = hashlib.sha512(path.read_bytes()).hexdigest()
        upstream.files[DATABASE_URL].write_text(json.dumps(database))

    release_is(TEI_HEAD + "<entry><form><orth>a</orth></form>\n<sense></entry>" + TEI_TAIL)
    with pytest.raises(FetchError, match=r"eng-gle/eng-gle.tei\), line 6: not well-formed XML"):
        build_pairs("eng-gle", tmp_path / "x.tsv", get=upstream.get)
    release_is(TEI_HEAD + TEI_TAIL)
    with pytest.raises(FetchError, match="no TEI <entry> elements"):
        build_pairs("eng-gle", tmp_path / "x.tsv", get=upstream.get)
    release_is(raw=b"plain text, no archive")
    with pytest.raises(FetchError, match="not a tar or zip archive"):
        build_pairs("eng-gle", tmp_path / "x.tsv", get=upstream.get)
    upstream.files[DATABASE_URL].write_text('{"name": "eng-gle"}')
    with pytest.raises(FetchError, match="expected a JSON list"):
        build_pairs("eng-gle", tmp_path / "x.tsv", get=upstream.get)
    upstream.files[DATABASE_URL].write_text("[{\n")
    with pytest.raises(FetchError, match=r"line 2: not FreeDict's JSON database"):
        build_pairs("eng-gle", tmp_path / "x.tsv", get=upstream.get)


def test_a_release_without_the_tei_file(upstream, tmp_path):
    url = "https://download.freedict.org/dictionaries/gle-eng/0.2/freedict-gle-eng-0.2.src.zip"
    path = upstream.files[url]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("gle-eng/README", "no dictionary")
    database = json.loads(upstream.files[DATABASE_URL].read_text())
    database[2]["releases"][0]["checksum"] = "not hex"  # unverifiable: read without a known hash
    upstream.files[DATABASE_URL].write_text(json.dumps(database))
    with pytest.raises(FetchError, match="holds no .tei file"):
        build_pairs("gle-eng", tmp_path / "x.tsv", get=upstream.get)
    assert (url, None) in upstream.asked


@pytest.mark.parametrize("text, expected", [
    ("Ban-ab", "banab"), ("o'clock", "oclock"), ("ana-", "ana"), ("  Ice   Cream ", "ice cream"),
    ("U.S.A.", "usa"), ("Ǆemal", "ǆemal"), ("e\u0301", "é"),
])
def test_headword(text, expected):
    assert headword(text) == expected


@pytest.mark.parametrize("text, english, expected", [
    ("to go", True, ["go"]), ("to go", False, ["to go"]), ("(fig.) leave!", False, ["leave"]),
    ("a, b; c\nd", False, ["a", "b", "c", "d"]), ("sea\u2010dog", False, ["sea-dog"]),
    ("'tub'", False, ["tub"]), ("... ago", True, ["ago"]), ("-able", False, ["-able"]),
    ("(p. x (y) z", False, ["z"]), ("[Br.] Flat", False, ["flat"]), ("", False, []),
])
def test_translations(text, english, expected):
    assert translations(text, english=english) == expected


@pytest.mark.parametrize("word, expected", [
    ("house", True), ("sea-dog", True), ("o'clock", True), ("d²-statistic", True), ("ice cream", False),
    ("-able", False), ("ana-", False), ("door2", False), ("snake_case", False), ("", False), ("a--b", False),
])
def test_single_token(word, expected):
    assert single_token(word) is expected


@pytest.mark.parametrize("checksum, expected", [
    ("AB" * 64, "sha512:" + "ab" * 64), ("0" * 64, "sha256:" + "0" * 64), ("1" * 32, "md5:" + "1" * 32),
    ("xyz", None), (None, None), ("g" * 64, None),
])
def test_known_hash(checksum, expected):
    assert known_hash(checksum) == expected


def test_latest_release_and_helpers():
    entry = {"releases": [{"platform": "src", "URL": "a", "date": "2020-01-01", "version": "0.9"},
                          {"platform": "src", "URL": "b", "date": "2020-01-01", "version": "0.10"},
                          {"platform": "slob", "URL": "c", "date": "2030-01-01", "version": "9"}]}
    assert latest_release(entry)["URL"] == "b"
    assert latest_release(entry, "dictd") is None
    assert pair_packages("en-fi.both") == ("eng-fin", "fin-eng")
    assert pair_packages("en-fin") == ("eng-fin", "fin-eng")
    assert urls("en-ga") == [DATABASE_URL, "https://download.freedict.org/dictionaries/eng-gle/",
                             "https://download.freedict.org/dictionaries/gle-eng/"]
    assert urls("fin-deu", kind="freedict-pairs")[1].endswith("/fin-deu/")
    assert close_names("fin-deo", ["fin-deu", "deu-fin", "eng-ita"]) == ["fin-deu", "deu-fin"]
    # the catalogue's freedict names all have a three-letter code
    for code in ("bg", "cs", "cy", "da", "de", "el", "es", "fi", "fr", "ga", "is", "it", "lt", "nl", "pl", "pt",
                 "sk", "sl", "sv"):
        assert len(ISO639_3[code]) == 3
