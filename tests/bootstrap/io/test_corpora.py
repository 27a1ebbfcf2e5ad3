"""Tokenisation, streaming corpus reading and corpus discovery."""
import bz2
import collections
import gzip
import lzma
import unicodedata
import warnings

import pytest

from offramp.bootstrap.errors import FormatError
from offramp.bootstrap.io.corpora import LANGUAGE_NAMES, MAX_SENTENCE_TOKENS, Corpus, find_corpora, read_ids, tokenize


def nfd(text):
    return unicodedata.normalize("NFD", text)


# ---------------------------------------------------------------------------------------------
# tokenize

@pytest.mark.parametrize("text, expected", [
    # Finnish, Latvian, Slovene, Lithuanian, German, Icelandic diacritics survive lowercasing
    ("Ja Jumala sanoi: \"Tulkoon valkeus\".", ["ja", "jumala", "sanoi", "tulkoon", "valkeus"]),
    ("Hyvää PÄIVÄÄ, Åbo!", ["hyvää", "päivää", "åbo"]),
    ("Rīga ir Latvijas galvaspilsēta; ĶĒĶIS.", ["rīga", "ir", "latvijas", "galvaspilsēta", "ķēķis"]),
    ("Čestitke, Žiga! Šola in čaša.", ["čestitke", "žiga", "šola", "in", "čaša"]),
    ("Ąžuolas ėjo į mišką.", ["ąžuolas", "ėjo", "į", "mišką"]),
    ("Straße", ["straße"]),                      # str.lower(), not casefold (which gives 'strasse')
    ("Þetta ÐÆ", ["þetta", "ðæ"]),
    # apostrophes: internal ones join, typographic U+2019 becomes ASCII, edge ones are dropped
    ("Don't", ["don't"]),
    ("don\u2019t", ["don't"]),
    ("vaa'an", ["vaa'an"]),
    ("'quoted' \u2018single\u2019", ["quoted", "single"]),
    ("rock 'n' roll", ["rock", "n", "roll"]),
    # hyphens: internal ones join (U+2010/U+2011 become ASCII); dashes and edge hyphens split
    ("well-known", ["well-known"]),
    ("2000-luvulla", ["2000-luvulla"]),
    ("non\u2011breaking", ["non-breaking"]),
    ("pre- and post-war", ["pre", "and", "post-war"]),
    ("word--word", ["word", "word"]),
    ("yes \u2013 no \u2014 maybe", ["yes", "no", "maybe"]),
    # numbers: '.' and ',' join digits only
    ("3,5 kg", ["3,5", "kg"]),
    ("1.000 euroa", ["1.000", "euroa"]),
    ("1.000.000,50", ["1.000.000,50"]),
    ("It costs 3.14.", ["it", "costs", "3.14"]),
    ("end.Next", ["end", "next"]),
    ("Gen.1.1", ["gen", "1.1"]),
    ("1, 2, 3", ["1", "2", "3"]),
    # punctuation, symbols, underscores, colons
    ("!?.,;:()[]{}\"\u00ab\u00bb\u201e\u201c", []),
    ("a+b=c & d/e", ["a", "b", "c", "d", "e"]),
    ("snake_case", ["snake", "case"]),
    ("EU:n", ["eu", "n"]),
    ("50 \u20ac 10 %", ["50", "10"]),
    ("", []),
    ("   \t\n ", []),
    # a letter + combining mark with no precomposed form stays one token
    ("a\u0328\u0303 x", ["\u0105\u0303", "x"]),  # NFC composes a+ogonek, the tilde stays a mark
])
def test_tokenize_table(text, expected):
    assert tokenize(text) == expected


@pytest.mark.parametrize("word", ["Hyvää", "Rīga", "Čaša", "Ąžuolas", "Ñandú", "ÉCOLE", "Þórður"])
def test_tokenize_nfc_and_nfd_give_the_same_token(word):
    assert nfd(word) != word
    assert tokenize(nfd(word)) == tokenize(word) == [unicodedata.normalize("NFC", word.lower())]


@pytest.mark.parametrize("text, expected", [
    ("Alussa loi Jumala", ["Alussa", "loi", "Jumala"]),
    ("DON\u2019T Rīga", ["DON'T", "Rīga"]),
])
def test_tokenize_keeps_case_when_asked(text, expected):
    assert tokenize(text, lowercase=False) == expected


@pytest.mark.parametrize("text, lang, expected", [
    ("L’eau qu’il boit aujourd’hui", "fr", ["l'", "eau", "qu'", "il", "boit", "aujourd'hui"]),
    ("jusqu'à lorsqu'elle d'Israël", "fr", ["jusqu'", "à", "lorsqu'", "elle", "d'", "israël"]),
    ("prud'homme presqu'île", "fr", ["prud'homme", "presqu'île"]),  # not elisions
    ("qu'aujourd'hui", "fr", ["qu'", "aujourd'hui"]),              # one split, the rest stays whole
    ("Dell'anno c'è un'altra", "it", ["dell'", "anno", "c'", "è", "un'", "altra"]),
    ("l'home d'or", "ca", ["l'", "home", "d'", "or"]),
    ("D'fhéach m'athair b'fhéidir", "ga", ["d'", "fhéach", "m'", "athair", "b'", "fhéidir"]),
    # other languages (and no language) keep every apostrophe word whole
    ("l'eau don't vaa'an", None, ["l'eau", "don't", "vaa'an"]),
    ("l'eau don't vaa'an", "en", ["l'eau", "don't", "vaa'an"]),
    ("l'eau vaa'an", "fi", ["l'eau", "vaa'an"]),
])
def test_tokenize_splits_elisions_by_language(text, lang, expected):
    assert tokenize(text, lang=lang) == expected


def test_elisions_keep_case_when_asked():
    assert tokenize("L'Éternel", lang="fr", lowercase=False) == ["L'", "Éternel"]


def test_corpus_passes_the_language_to_the_tokenizer(tmp_path):
    path = tmp_path / "fr.txt"
    path.write_text("L'eau et l'homme\n", encoding="utf-8")
    assert list(Corpus(path, lang="fr")) == [["l'", "eau", "et", "l'", "homme"]]
    assert list(Corpus(path)) == [["l'eau", "et", "l'homme"]]
    with pytest.raises(TypeError, match="lang must be an ISO 639-1 code"):
        Corpus(path, lang=1)


def test_tokenize_rejects_bytes():
    with pytest.raises(TypeError, match="expects str"):
        tokenize(b"bytes")


# ---------------------------------------------------------------------------------------------
# Corpus: formats

TEXT = "Alussa loi Jumala taivaan ja maan.\n\nJa maa oli autio ja tyhjä!\n"
TOKENS = [["alussa", "loi", "jumala", "taivaan", "ja", "maan"], ["ja", "maa", "oli", "autio", "ja", "tyhjä"]]

OPENERS = {
    "": open,
    ".gz": gzip.open,
    ".bz2": bz2.open,
    ".xz": lzma.open,
}


def write(path, data, ext=""):
    """Write bytes (or UTF-8 text) to ``path``, compressed according to ``ext``."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    with OPENERS[ext](path, "wb") as handle:
        handle.write(data)
    return path


@pytest.mark.parametrize("ext", list(OPENERS))
def test_reads_plain_and_compressed_text(tmp_path, ext):
    path = write(tmp_path / f"corpus.txt{ext}", TEXT, ext)
    corpus = Corpus(path)
    assert corpus.n_tokens is None
    assert list(corpus) == TOKENS
    assert (corpus.n_tokens, corpus.n_lines, corpus.n_excluded) == (12, 2, 0)


@pytest.mark.parametrize("ext", list(OPENERS))
def test_reads_id_tab_text_files(tmp_path, ext):
    data = "Gen.1.1\tAlussa loi Jumala taivaan ja maan.\nGen.1.2\tJa maa oli autio ja tyhjä!\n"
    path = write(tmp_path / f"fi.Test.tsv{ext}", data, ext)
    assert list(Corpus(path)) == TOKENS


@pytest.mark.parametrize("name, id_column, line, expected", [
    ("a.tsv", "auto", "Gen.1.1\tIn the beginning", ["in", "the", "beginning"]),
    ("a.tsv", "auto", "no id here", ["no", "id", "here"]),
    ("a.tsv", "auto", "two words\tand more", ["two", "words", "and", "more"]),  # id field with a space
    # a file not named .tsv whose first lines all start with an id is read as ID<TAB>text too
    ("a.txt", "auto", "Gen.1.1\tIn the beginning", ["in", "the", "beginning"]),
    ("a.txt", False, "Gen.1.1\tIn the beginning", ["gen", "1.1", "in", "the", "beginning"]),
    ("a.txt", True, "Gen.1.1\tIn the beginning", ["in", "the", "beginning"]),
    ("a.tsv", False, "Gen.1.1\tIn the beginning", ["gen", "1.1", "in", "the", "beginning"]),
])
def test_id_column_detection(tmp_path, name, id_column, line, expected):
    """A line of a .tsv file read as plain text is reported, once per file and corpus (two passes)."""
    path = write(tmp_path / name, line + "\n")
    corpus = Corpus(path, id_column=id_column)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert list(corpus) == [expected] and list(corpus) == [expected]
    id_less = name.endswith(".tsv") and id_column == "auto" and expected[0] != "in"
    assert [str(w.message).split(": ", 1)[1][:12] for w in caught] == (["no ID<TAB> a"] if id_less else [])


def test_auto_reads_a_txt_file_as_plain_text_when_one_of_its_first_lines_has_no_id(tmp_path):
    path = write(tmp_path / "a.txt", "Gen.1.1\tIn the beginning\nno id here\n")
    assert list(Corpus(path)) == [["gen", "1.1", "in", "the", "beginning"], ["no", "id", "here"]]


def test_id_column_true_requires_ids(tmp_path):
    path = write(tmp_path / "a.txt", "Gen.1.1\tok\nno tab here\n")
    with pytest.raises(FormatError, match="expected ID<TAB>text") as info:
        list(Corpus(path, id_column=True))
    assert (info.value.path, info.value.line) == (str(path), 2)


def test_bom_and_crlf_are_stripped(tmp_path):
    path = write(tmp_path / "a.tsv", "\ufeffGen.1.1\tYksi kaksi\r\nGen.1.2\tkolme\r\n")
    corpus = Corpus(path, exclude_ids={"Gen.1.1"})
    assert list(corpus) == [["kolme"]]
    assert corpus.n_excluded == 1


def test_exclude_ids(tmp_path):
    data = "Gen.1.1\tyksi kaksi\nGen.1.2\tkolme\nGen.1.3\tneljä viisi kuusi\n"
    path = write(tmp_path / "fi.tsv", data)
    corpus = Corpus(path, exclude_ids={"Gen.1.2", "Rev.22.21"})
    assert list(corpus) == [["yksi", "kaksi"], ["neljä", "viisi", "kuusi"]]
    assert (corpus.n_tokens, corpus.n_lines, corpus.n_excluded) == (5, 2, 1)


def test_restartable_and_several_files_in_order(tmp_path):
    first = write(tmp_path / "b.txt", "yksi kaksi\n")
    second = write(tmp_path / "a.txt.gz", "kolme\n", ".gz")
    corpus = Corpus([first, second])
    passes = [list(corpus) for _ in range(3)]
    assert passes[0] == passes[1] == passes[2] == [["yksi", "kaksi"], ["kolme"]]
    assert corpus.n_tokens == 3


@pytest.mark.parametrize("max_lines, expected", [(1, [["yksi", "kaksi"]]), (2, [["yksi", "kaksi"], ["kolme"]]),
                                                 (5, [["yksi", "kaksi"], ["kolme"], ["neljä"]])])
def test_max_lines_counts_lines_over_files(tmp_path, max_lines, expected):
    first = write(tmp_path / "a.txt", "yksi kaksi\n...\nkolme\n")
    second = write(tmp_path / "b.txt", "neljä\n")
    corpus = Corpus([first, second], max_lines=max_lines)
    assert list(corpus) == expected
    assert corpus.n_lines == len(expected)


def test_long_lines_are_chunked_for_gensim(tmp_path):
    n = 2 * MAX_SENTENCE_TOKENS + 7
    path = write(tmp_path / "long.txt", " ".join(f"w{i % 13}" for i in range(n)) + "\nlyhyt\n")
    chunks = list(Corpus(path))
    assert [len(c) for c in chunks] == [MAX_SENTENCE_TOKENS, MAX_SENTENCE_TOKENS, 7, 1]
    corpus = Corpus(path)
    list(corpus)
    assert (corpus.n_tokens, corpus.n_lines) == (n + 1, 2)


def test_count_words(tmp_path):
    corpus = Corpus(write(tmp_path / "a.txt", TEXT))
    assert corpus.count_words() == collections.Counter(
        {"ja": 3, "alussa": 1, "loi": 1, "jumala": 1, "taivaan": 1, "maan": 1, "maa": 1, "oli": 1,
         "autio": 1, "tyhjä": 1})
    assert corpus.n_tokens == 12


def test_lowercase_false(tmp_path):
    assert list(Corpus(write(tmp_path / "a.txt", "Alussa Jumala\n"), lowercase=False)) == [["Alussa", "Jumala"]]


# ---------------------------------------------------------------------------------------------
# Corpus: errors

@pytest.mark.parametrize("data", ["", "\n\n  \n", "... !!! ---\n\u2014\n"])
def test_empty_corpus_is_a_format_error_naming_the_file(tmp_path, data):
    path = write(tmp_path / "empty.txt", data)
    with pytest.raises(FormatError, match="no tokens in the corpus") as info:
        list(Corpus(path))
    assert str(path) in str(info.value)
    assert info.value.fix


def test_empty_corpus_names_every_file(tmp_path):
    paths = [write(tmp_path / "a.txt", ""), write(tmp_path / "b.txt.gz", "", ".gz")]
    with pytest.raises(FormatError, match="no tokens") as info:
        Corpus(paths).count_words()
    assert all(str(p) in str(info.value) for p in paths)


def test_all_lines_excluded_says_so(tmp_path):
    path = write(tmp_path / "a.tsv", "Gen.1.1\tyksi\n")
    with pytest.raises(FormatError, match="1 lines were skipped by exclude_ids"):
        list(Corpus(path, exclude_ids={"Gen.1.1"}))


@pytest.mark.parametrize("ext", list(OPENERS))
def test_non_utf8_is_a_format_error_with_the_line(tmp_path, ext):
    path = write(tmp_path / f"latin1.txt{ext}", "first line\n".encode() + "\nsecond äiti\n".encode("latin-1"), ext)
    with pytest.raises(FormatError, match="not UTF-8") as info:
        list(Corpus(path))
    assert (info.value.path, info.value.line) == (str(path), 3)
    assert f"{path}:3" in str(info.value)
    assert "iconv" in info.value.fix


def test_non_utf8_replaced_when_asked(tmp_path):
    path = write(tmp_path / "latin1.txt", "äiti\n".encode("latin-1"))
    assert list(Corpus(path, encoding_errors="replace")) == [["iti"]]


def test_damaged_gzip_is_a_format_error(tmp_path):
    path = tmp_path / "broken.txt.gz"
    path.write_bytes(gzip.compress(b"yksi kaksi\n" * 100)[:20])
    with pytest.raises(FormatError, match="could not read or decompress") as info:
        list(Corpus(path))
    assert str(path) in str(info.value)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.txt: no such corpus file"):
        Corpus([tmp_path / "nope.txt"])


@pytest.mark.parametrize("kwargs, error, match", [
    ({"id_column": "yes"}, ValueError, "id_column must be"),
    ({"max_lines": 0}, ValueError, "max_lines must be a positive integer"),
    ({"encoding_errors": "latin1"}, ValueError, "encoding_errors must be"),
    ({"exclude_ids": "Gen.1.1"}, TypeError, "not a single string"),
])
def test_bad_arguments(tmp_path, kwargs, error, match):
    path = write(tmp_path / "a.txt", "yksi\n")
    with pytest.raises(error, match=match):
        Corpus(path, **kwargs)


def test_no_paths_and_directories_are_rejected(tmp_path):
    with pytest.raises(ValueError, match="no corpus files"):
        Corpus([])
    with pytest.raises(ValueError, match="is a directory"):
        Corpus(tmp_path)


# ---------------------------------------------------------------------------------------------
# read_ids

def test_read_ids_plain_and_tsv(tmp_path):
    path = write(tmp_path / "ids.txt", "\ufeffGen.1.1\n\nGen.1.2\tAnd the earth\n  Rev.22.21  \n")
    assert read_ids(path) == {"Gen.1.1", "Gen.1.2", "Rev.22.21"}


def test_read_ids_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such id file"):
        read_ids(tmp_path / "nope.txt")
    with pytest.raises(FormatError, match="no ids"):
        read_ids(write(tmp_path / "empty.txt", "\n"))
    with pytest.raises(FormatError, match="not UTF-8") as info:
        read_ids(write(tmp_path / "bad.txt", b"ok\n\xff\n"))
    assert info.value.line == 2


# ---------------------------------------------------------------------------------------------
# find_corpora

def make_layout(root):
    files = ["corpora/bible/fi.FinPR.tsv", "corpora/bible/fi.FinBiblia.tsv.gz", "corpora/bible/fr.FreJND.tsv",
             "corpora/bible/fil.Other.tsv", "corpora/ted/Finnish.txt", "corpora/ted/French.txt",
             "corpora/ud/Finnish-TDT.txt", "corpora/ud/Finnish-FTB.txt.xz", "corpora/ud/Finnishish-X.txt",
             "corpora/other/fi.txt", "corpora/wikipedia/fi.txt.bz2", "corpora/wikipedia/fil.txt"]
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("x\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("sub", ["", "corpora"])
def test_find_corpora_layout(tmp_path, sub):
    root = make_layout(tmp_path)
    found = find_corpora(root / sub if sub else root, "fi")
    assert [p.relative_to(root).as_posix() for p in found] == [
        "corpora/bible/fi.FinBiblia.tsv.gz", "corpora/bible/fi.FinPR.tsv", "corpora/ted/Finnish.txt",
        "corpora/ud/Finnish-FTB.txt.xz", "corpora/ud/Finnish-TDT.txt", "corpora/wikipedia/fi.txt.bz2"]
    assert find_corpora(root, "mt") == []


def test_find_corpora_errors(tmp_path):
    with pytest.raises(ValueError, match="unknown language code 'xx'"):
        find_corpora(tmp_path, "xx")
    with pytest.raises(FileNotFoundError, match="no such data directory"):
        find_corpora(tmp_path / "nope", "fi")


def test_language_table_covers_the_eu_languages():
    required = "en fi sl lv es de fr et lt sk it pt eu ga cy mt is".split()
    assert set(required) <= set(LANGUAGE_NAMES)
    assert LANGUAGE_NAMES["sl"] == "Slovenian" and LANGUAGE_NAMES["ga"] == "Irish"


@pytest.mark.parametrize("lang, names", [
    ("fi", ["fi.FinBiblia.tsv", "fi.FinPR.tsv", "fi.FinSTLK2017.tsv", "Finnish.txt", "Finnish-TDT.txt"]),
    ("lt", ["Lithuanian-ALKSNIS.txt", "Lithuanian-HSE.txt"]),
    ("pt", []),
])
def test_find_corpora_shared_data(shared_data, lang, names):
    assert [p.name for p in find_corpora(shared_data, lang)] == names


def test_shared_bible_slice(shared_data):
    path = shared_data / "corpora" / "bible" / "fi.FinPR.tsv"
    corpus = Corpus(path, max_lines=3, exclude_ids={"Gen.1.2"})
    lines = list(corpus)
    assert lines[0] == ["alussa", "loi", "jumala", "taivaan", "ja", "maan"]
    assert lines[1][:3] == ["ja", "jumala", "sanoi"]  # Gen.1.3, since Gen.1.2 is held out
    assert corpus.n_excluded == 1


def test_corpus_prefix_len_cuts_tokens(tmp_path):
    path = tmp_path / "fi.txt"
    path.write_text("Jumalan sana ja jumalaa\n", encoding="utf-8")
    assert list(Corpus(path, prefix_len=5)) == [["jumal", "sana", "ja", "jumal"]]
    assert list(Corpus(path)) == [["jumalan", "sana", "ja", "jumalaa"]]
    for bad in (0, True, 2.5):
        with pytest.raises(ValueError, match="prefix_len must be a positive integer"):
            Corpus(path, prefix_len=bad)


# ---------------------------------------------------------------------------------------------
# line endings and long lines

@pytest.mark.parametrize("data, expected", [
    (b"a\nb\n", [(1, b"a", False), (2, b"b", False)]),
    (b"a\r\nb\r\n", [(1, b"a", False), (2, b"b", False)]),
    (b"a\rb\r", [(1, b"a", False), (2, b"b", False)]),            # old Mac files: CR alone
    (b"a\r\rb", [(1, b"a", False), (2, b"", False), (3, b"b", False)]),
    (b"a\n\r\nb", [(1, b"a", False), (2, b"", False), (3, b"b", False)]),
    (b"no eol", [(1, b"no eol", False)]),
    (b"", []),
    (b"abcde fghij\n", [(1, b"abcde ", False), (1, b"fghij", True)]),   # cut after the space
    (b"abcdefghijkl\nz", [(1, b"abcdefgh", False), (1, b"ijkl", True), (2, b"z", False)]),
    ("äääää\n".encode(), [(1, "ääää".encode(), False), (1, "ä".encode(), True)]),
    ("aääää\n".encode(), [(1, "aäää".encode(), False), (1, "ä".encode(), True)]),  # never inside a character
])
@pytest.mark.parametrize("block", [1, 2, 3, 64])
def test_iter_lines_splits_on_any_line_break_and_cuts_long_lines(monkeypatch, data, expected, block):
    import io

    from offramp.bootstrap.io import _files

    monkeypatch.setattr(_files, "_CHUNK_BYTES", block)  # a CRLF split across two reads stays one break
    assert list(_files.iter_lines(io.BytesIO(data), max_bytes=8)) == expected


def test_a_verse_file_with_cr_line_endings_keeps_every_id(tmp_path):
    path = tmp_path / "fi.mac.tsv"
    path.write_bytes("Gen.1.1\tAlussa loi\rGen.1.2\tJa maa\rGen.1.3\tJa Jumala sanoi\r".encode())
    corpus = Corpus(path, exclude_ids={"Gen.1.2"})
    assert list(corpus.items()) == [("Gen.1.1", ["alussa", "loi"]), ("Gen.1.3", ["ja", "jumala", "sanoi"])]
    assert corpus.n_excluded == 1 and read_ids(path) == {"Gen.1.1", "Gen.1.2", "Gen.1.3"}


def test_a_long_line_is_read_in_pieces_under_its_id(tmp_path, monkeypatch):
    from offramp.bootstrap.io import _files

    monkeypatch.setattr(_files, "MAX_LINE_BYTES", 64)
    words = [f"sana{i}" for i in range(100)]
    path = write(tmp_path / "long.tsv", "Gen.1.1\t" + " ".join(words) + "\nGen.1.2\tlyhyt\n")
    items = list(Corpus(path).items())
    assert {line_id for line_id, _ in items} == {"Gen.1.1", "Gen.1.2"} and len(items) > 10
    assert [t for _, tokens in items for t in tokens] == words + ["lyhyt"]  # no word cut in two
    assert list(Corpus(path, exclude_ids={"Gen.1.1"}).items()) == [("Gen.1.2", ["lyhyt"])]


def test_a_one_line_corpus_is_counted_in_bounded_memory(tmp_path):
    """30 MB on one line (no line break at all): the count's peak memory stays far below the line's size
    times the tokenizer's overhead (it read the line whole before)."""
    import subprocess
    import sys

    path = tmp_path / "one-line.txt"
    with open(path, "wb") as f:
        block = (" ".join(f"w{i % 997}" for i in range(100_000)) + " ").encode()
        for _ in range(30 * 2**20 // len(block) + 1):
            f.write(block)
    code = ("import resource, sys; from offramp.bootstrap.io.corpora import Corpus; "
            "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
            "n = sum(Corpus(sys.argv[1]).count_words().values()); "
            "print(n, (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)")
    run = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    n_tokens, grown_mb = map(int, run.stdout.split())
    assert n_tokens > 5_000_000 and grown_mb < 150, (n_tokens, grown_mb)
