"""The Universal Dependencies builder (:mod:`offramp.bootstrap.data.ud`), on tiny treebank archives
written here as GitHub serves a release tag (``UD_X-rN/xx_yy-ud-SPLIT.conllu`` in a tar.gz)."""
import io
import tarfile

import pytest

from offramp.bootstrap.data._errors import FetchError
from offramp.bootstrap.data.ud import (ARCHIVE_URL, DEFAULT_RELEASE, build, conllu_members, read_conllu, release_tag,
                                       urls)


def _tokens(*rows):
    """CoNLL-U token lines from (ID, FORM, MISC) rows; the other columns are filler."""
    return "".join(f"{i}\t{form}\t_\tX\t_\t_\t0\tdep\t_\t{misc}\n" for i, form, misc in rows)


TRAIN = (
    "# newdoc id = doc1\n# sent_id = train-1\n# text = Fui del mercado.\n# text_en = I went from the market.\n"
    + _tokens(("1", "Fui", "_"), ("2-3", "del", "_"), ("2", "de", "_"), ("3", "el", "_"),
              ("4", "mercado", "SpaceAfter=No"), ("5", ".", "SpaceAfter=No")) + "\n"
    # no "# text": rebuilt from the surface tokens (the multiword token "del" once, not "de el")
    + "# sent_id = train-2\n"
    + _tokens(("1", "Vámonos", "_"), ("2-3", "al", "_"), ("2", "a", "_"), ("3", "el", "_"),
              ("4", "\u201c", "SpaceAfter=No"), ("5", "cine", "SpaceAfter=No|Gloss=cinema"),
              ("6", "\u201d", "SpaceAfter=No"), ("7", "!", "_")) + "\n"
)
TRAIN_B = (
    # an empty node (4.1) is not a surface token
    "# sent_id = train-3\n" + _tokens(("1", "Yo", "_"), ("2", "también", "_"), ("3", "voy", "SpaceAfter=No"),
                                      ("3.1", "ir", "_"), ("4", ".", "_")) + "\n"
)
DEV = (
    "\ufeff# sent_id = dev-1\n# text = Hola\tmundo \n" + _tokens(("1", "Hola", "_"), ("2", "mundo", "_")) + "\n\n"
    "# sent_id = dev-2\n# text = Fui del mercado.\n" + _tokens(("1", "Fui", "_")) + "\n"  # a repeat
)
TEST = "# sent_id = test-1\n# text = Adiós.\n" + _tokens(("1", "Adiós", "SpaceAfter=No"), ("2", ".", "_"))
EXPECTED = "Fui del mercado.\nVámonos al \u201ccine\u201d!\nYo también voy.\nHola mundo\nAdiós.\n"


def write_treebank(path, name="Spanish-Test", release=DEFAULT_RELEASE, files=None):
    """A tar.gz laid out as GitHub's archive of ``UD_{name}`` at tag ``r{release}``."""
    top = f"UD_{name}-r{release}"
    if files is None:  # archive order differs from the train, dev, test order on purpose
        files = {"es_test-ud-test.conllu": TEST, "README.md": "# Summary\n", "es_test-ud-dev.conllu": DEV,
                 "es_test-ud-train-b.conllu": TRAIN_B, "not-to-release/es_test-ud-train.conllu": "not\tread\n",
                 "es_test-ud-train-a.conllu": TRAIN}
    with tarfile.open(path, "w:gz") as tar:
        folder = tarfile.TarInfo(top)
        folder.type = tarfile.DIRTYPE
        tar.addfile(folder)
        for member, text in files.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(f"{top}/{member}")
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def _get(files):
    def get(url, *, known_hash=None):
        return files[url]
    return get


@pytest.mark.parametrize("dedupe, expected, duplicates", [
    (True, EXPECTED, 1),
    (False, EXPECTED.replace("Adiós.", "Fui del mercado.\nAdiós."), 0),
])
def test_build(tmp_path, dedupe, expected, duplicates):
    archive = write_treebank(tmp_path / "tb.tar.gz")
    url = ARCHIVE_URL.format(name="Spanish-Test", tag="r" + DEFAULT_RELEASE)
    out = tmp_path / "Spanish-Test.txt"
    info = build("Spanish-Test", out, get=_get({url: archive}), dedupe=dedupe)
    assert out.read_bytes().decode("utf-8") == expected
    top = f"UD_Spanish-Test-r{DEFAULT_RELEASE}/"
    assert info == {"upstream": [url], "release": DEFAULT_RELEASE, "lines": expected.count("\n"),
                    "files": {top + "es_test-ud-train-a.conllu": 2, top + "es_test-ud-train-b.conllu": 1,
                              top + "es_test-ud-dev.conllu": 2, top + "es_test-ud-test.conllu": 1},
                    "duplicates": duplicates, "skipped_empty": 0}


def test_build_other_release(tmp_path):
    archive = write_treebank(tmp_path / "tb.tar.gz", release="2.5")
    url = "https://github.com/UniversalDependencies/UD_Spanish-Test/archive/refs/tags/r2.5.tar.gz"
    info = build("Spanish-Test", tmp_path / "out.txt", get=_get({url: archive}), release="r2.5")
    assert info["release"] == "2.5" and info["lines"] == 5


def test_conllu_members(tmp_path):
    archive = write_treebank(tmp_path / "tb.tar.gz")
    top = f"UD_Spanish-Test-r{DEFAULT_RELEASE}/"
    assert conllu_members(archive) == [top + name for name in (
        "es_test-ud-train-a.conllu", "es_test-ud-train-b.conllu", "es_test-ud-dev.conllu", "es_test-ud-test.conllu")]


@pytest.mark.parametrize("lines, texts", [
    (["# text = A b.", "1\tA\t_\t_\t_\t_\t0\t_\t_\t_", "", "", "1\tC\t_\t_\t_\t_\t0\t_\t_\t_"], ["A b.", "C"]),
    (["# text =", "1\tx\t_\t_\t_\t_\t0\t_\t_\t_"], [""]),  # an empty text stays empty (build skips it)
    (["1\tun\t_\t_\t_\t_\t0\t_\t_\tSpaceAfter=No\r\n", "2\t-\t_\t_\t_\t_\t0\t_\t_\tSpaceAfter=No\r\n",
      "3\tdeux\t_\t_\t_\t_\t0\t_\t_\t_\r\n"], ["un-deux"]),
])
def test_read_conllu(lines, texts):
    assert list(read_conllu(lines)) == texts


def test_urls_and_release():
    assert urls("Latvian-LVTB") == [
        f"https://github.com/UniversalDependencies/UD_Latvian-LVTB/archive/refs/tags/r{DEFAULT_RELEASE}.tar.gz"]
    assert release_tag("2.15") == release_tag("r2.15") == "r2.15"
    with pytest.raises(ValueError, match="not a UD release"):
        release_tag("latest")


@pytest.mark.parametrize("content, message", [
    (b"<html>404</html>", r"tb\.tar\.gz \(from https://\S+\.tar\.gz\) is not a readable tar\.gz"),
    (None, r"holds no treebank files"),
    ({"es_x-ud-dev.conllu": "# text = a\n1\ta\t_\n"}, r"es_x-ud-dev\.conllu, line 2: a token line has 3 "),
    ({"es_x-ud-dev.conllu": "x\ta\t_\t_\t_\t_\t0\t_\t_\t_\n"}, r"es_x-ud-dev\.conllu, line 1: 'x' is not a CoNLL-U"),
])
def test_bad_upstream(tmp_path, content, message):
    path = tmp_path / "tb.tar.gz"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        write_treebank(path, files=content or {"README.md": "nothing\n"})
    url = urls("Spanish-Test")[0]
    with pytest.raises(FetchError, match=message):
        build("Spanish-Test", tmp_path / "out.txt", get=_get({url: path}))


def test_not_utf8(tmp_path):
    path = tmp_path / "tb.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        data = "# text = caf\xe9\n".encode("latin-1")
        info = tarfile.TarInfo("UD_X-r2.17/x-ud-dev.conllu")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    with pytest.raises(FetchError, match=r"x-ud-dev\.conllu is not UTF-8"):
        build("X-Y", tmp_path / "out.txt", get=lambda url, known_hash=None: path)
