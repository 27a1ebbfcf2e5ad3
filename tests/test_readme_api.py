"""The README's Python API block, run as written on slices of the shared Bibles.

The block is read from README.md, so an API change that breaks it fails here. Only its sizes are
changed (``dim=300`` -> ``dim=40, epochs=3``, so the suite stays fast); its file names (``en.txt``,
``test.txt``, ``en.KJV.tsv``...) are written into a temporary directory first: the first
``N_VERSES`` verses of the English, Finnish and Latvian Bibles, and MUSE splits against the
vectors' vocabularies. ``X``, ``Z`` and ``seed_pairs``, which the block takes as given, are the
en-fi vectors and the train dictionary's rows. What is asserted is that every call runs and
returns what the block says it returns, not a score.
"""
import re
from pathlib import Path

import numpy as np
import pytest

from offramp.bootstrap.io.dictionaries import read_dictionary, write_dictionary
from offramp.bootstrap.lexicon.split import frequency_split
from offramp.bootstrap.training import train_embeddings

ROOT = Path(__file__).resolve().parents[1]
N_VERSES = 3000
BIBLES = {"en.KJV.tsv": "en.KJV.tsv", "en.ASV.tsv": "en.ASV.tsv", "lv.LvGluck8.tsv": "lv.LvGluck8.tsv"}
PLAIN = {"en.txt": "en.KJV.tsv", "fi.txt": "fi.FinPR.tsv", "lv.txt": "lv.LvGluck8.tsv"}


def readme_block():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Python API", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README.md: no ```python block under '## Python API'"
    return match.group(1)


def _head(path, n):
    with open(path, encoding="utf-8") as f:
        return [line for _, line in zip(range(n), f)]


@pytest.mark.slow
def test_readme_python_api_runs(shared_data, tmp_path, monkeypatch):
    bible = shared_data / "corpora" / "bible"
    monkeypatch.chdir(tmp_path)
    for name, source in BIBLES.items():
        Path(name).write_text("".join(_head(bible / source, N_VERSES)), encoding="utf-8")
    for name, source in PLAIN.items():  # plain text: the verses without their ids
        Path(name).write_text("".join(line.split("\t", 1)[1] for line in _head(bible / source, N_VERSES)),
                              encoding="utf-8")
    vocab = {lang: train_embeddings([f"{lang}.txt"], dim=40, epochs=3, workers=1, random_state=0, progress=False)
             for lang in ("en", "fi", "lv")}
    muse = shared_data / "dictionaries" / "muse"
    for tgt, (train_name, test_name) in {"fi": ("train.txt", "test.txt"),
                                         "lv": ("en-lv.train.txt", "en-lv.test.txt")}.items():
        train, test, _ = frequency_split(read_dictionary(muse / f"en-{tgt}.txt"), vocab["en"].index_to_key,
                                         vocab[tgt].index_to_key, n_test=100, max_train=500)
        write_dictionary(train, train_name)
        write_dictionary(test, test_name)
    en, fi = vocab["en"], vocab["fi"]
    rows = [(en.key_to_index[s], fi.key_to_index[t]) for s, t in read_dictionary("train.txt")]
    namespace = {"X": en.vectors, "Z": fi.vectors, "seed_pairs": np.asarray(rows)}

    code = readme_block().replace("dim=300", "dim=40, epochs=3")
    exec(compile(code, "README.md (Python API)", "exec"), namespace)

    for name in ("scores", "reranked", "learned"):
        assert 0 <= namespace[name]["p@1"] <= 100, name
    assert namespace["result"].src_mapped.vectors.shape[0] == len(namespace["en"])
    assert namespace["Xm"].shape == en.vectors.shape and namespace["Zr"].shape == fi.vectors.shape
    assert len(namespace["lexicon"]) > 0
