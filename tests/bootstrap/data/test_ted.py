"""The TED builder (:mod:`offramp.bootstrap.data.ted`), on tiny files in the corpus's form (plain UTF-8
text under ``Monolingual_data/``, one subtitle segment per line)."""
import pytest

from offramp.bootstrap.data._errors import FetchError
from offramp.bootstrap.data.ted import RAW_URL, build, normalise_lines, urls

# As upstream has it: trailing spaces on some segments, a blank line, CRLF at one place, no final newline.
UPSTREAM = "Bhuel, tá baint agam le rudaí \nI bhfirínne,\tin ábhair\r\n\n   \n(Bualadh bos)\nGo raibh maith agaibh."
# trailing spaces kept (the shared files keep them), tabs as spaces, blank lines dropped
EXPECTED = "Bhuel, tá baint agam le rudaí \nI bhfirínne, in ábhair\n(Bualadh bos)\nGo raibh maith agaibh.\n"


def _get(files):
    def get(url, *, known_hash=None):
        return files[url]
    return get


@pytest.mark.parametrize("prefix", ["", "\ufeff"])
def test_build(tmp_path, prefix):
    source = tmp_path / "Irish.txt"
    source.write_text(prefix + UPSTREAM, encoding="utf-8")
    url = RAW_URL.format(revision="master", language="Irish")
    out = tmp_path / "out.txt"
    info = build("Irish", out, get=_get({url: source}))
    assert out.read_bytes().decode("utf-8") == EXPECTED
    assert info["upstream"] == [url] and info["lines"] == 4 and info["skipped_empty"] == 2
    assert "scientific" in info["licence"]


def test_urls():
    assert urls("Latvian") == ["https://raw.githubusercontent.com/ajinkyakulkarni14/TED-Multilingual-Parallel-Corpus/"
                               "master/Monolingual_data/Latvian.txt"]
    assert urls("Chinese, Yue", revision="73afc76")[0].endswith("/73afc76/Monolingual_data/Chinese%2C%20Yue.txt")


@pytest.mark.parametrize("text, segments", [
    ("a\x85b\u2028c\n", ["a b c"]),
    ("\n\n", []),
    ("  x  \n\ty", ["  x  ", " y"]),
])
def test_normalise_lines(text, segments):
    assert list(normalise_lines(text)) == segments


@pytest.mark.parametrize("content, message", [
    (b"ok\n\xff\xfe bad\n", r"Maltese\.txt \(from https://\S+\), line 2: not UTF-8 text"),
    (b"<!DOCTYPE html>\n<html></html>\n", r"is an HTML page"),
    (b" \n\n", r"has no text"),
])
def test_bad_upstream(tmp_path, content, message):
    source = tmp_path / "Maltese.txt"
    source.write_bytes(content)
    with pytest.raises(FetchError, match=message):
        build("Maltese", tmp_path / "out.txt", get=_get({urls("Maltese")[0]: source}))
