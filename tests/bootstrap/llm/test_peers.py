"""WECHSEL and FOCUS through their authors' packages (``bootstrap.llm.peers``), offline, on tiny models.

A tiny English source model (a BERT with WordPiece, or a Llama with byte-level BPE) moves to a Finnish
tokenizer trained like its own; the fastText models are gensim's, trained here on a few hundred lines
of :func:`fixtures.tiny_models.english_text` and :func:`fixtures.tiny_models.finnish_text`. Every test
runs with internet sockets, name lookups and the packages' download functions made to fail.
"""
import importlib
import socket

import numpy as np
import pytest

from fixtures.tiny_models import (CAUSAL_PAIRS, build_causal_model, build_source_model, bytelevel_tokenizer,
                                  english_text, finnish_text, tiny_fasttext)

from offramp.bootstrap.llm import peers

pytest.importorskip("transformers")
pytest.importorskip("torch")
pytest.importorskip("gensim")

# The packages' functions that fetch files (fastText vectors, dictionaries) from the internet.
DOWNLOADS = [("wechsel", "download"), ("wechsel.download_utils", "download"), ("deepfocus.fasttext_embs", "download"),
             ("deepfocus.download_utils", "download"),
             ("deepfocus.fasttext_embs", "download_pretrained_fasttext_word_embs"), ("wechsel", "load_embeddings")]


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Internet connections, name lookups and the packages' downloads raise; afterwards, none was tried."""
    tried = []

    def refuse(*args, **kwargs):
        tried.append(args)
        raise AssertionError(f"network use: {args}")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    connect = socket.socket.connect

    def local_connect(sock, address):
        # datasets talks to its worker processes over a Unix socket: only internet families are refused
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            refuse(address)
        return connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", local_connect)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    for module, name in DOWNLOADS:
        try:
            monkeypatch.setattr(importlib.import_module(module), name, refuse)
        except ImportError:  # the package is absent; its tests skip
            pass
    yield
    assert not tried


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The Finnish text, the dictionary (CAUSAL_PAIRS, tab-separated) and both fastText models as ``.bin``."""
    root = tmp_path_factory.mktemp("peers")
    text = peers.write_text(finnish_text(seed=2), root / "fi.txt")
    dictionary = root / "en-fi.txt"
    dictionary.write_text("".join(f"{e}\t{f}\n" for e, f in CAUSAL_PAIRS), encoding="utf-8")
    en = peers.save_fasttext_bin(tiny_fasttext(english_text(seed=1)), root / "en.bin")
    fi = peers.save_fasttext_bin(tiny_fasttext(finnish_text(seed=2)), root / "fi.bin")
    return {"root": root, "text": text, "dictionary": dictionary, "en": en, "fi": fi}


@pytest.fixture(scope="module", params=["wordpiece", "bytelevel"])
def models(request, files):
    """``(source tokenizer, source embedding matrix, Finnish tokenizer trained like it)``: a BERT with WordPiece
    (as all-MiniLM-L6-v2) or a Llama with byte-level BPE."""
    from transformers import AutoModel, AutoTokenizer

    from offramp.bootstrap.llm.tokenization import train_tokenizer

    folder = files["root"] / request.param
    if request.param == "wordpiece":
        build_source_model(folder, hidden=16)
        src_tok, vocab_size = AutoTokenizer.from_pretrained(folder), 120
        matrix = AutoModel.from_pretrained(folder).get_input_embeddings().weight
    else:
        src_tok, vocab_size = bytelevel_tokenizer(english_text(seed=1)), 330
        build_causal_model(folder, "llama", src_tok, tied=True)
        from transformers import AutoModelForCausalLM

        matrix = AutoModelForCausalLM.from_pretrained(folder).get_input_embeddings().weight
    tgt_tok = train_tokenizer([files["text"]], like=src_tok, vocab_size=vocab_size, progress=False)
    return src_tok, matrix.detach().numpy(), tgt_tok


def test_fasttext_bin_gives_gensims_vectors(files):
    """The .bin that WECHSEL loads holds gensim's vectors, for trained words and unseen strings alike."""
    fasttext = pytest.importorskip("fasttext")

    model = tiny_fasttext(finnish_text(seed=2))
    loaded = fasttext.load_model(str(peers.save_fasttext_bin(model, files["root"] / "check.bin")))
    assert loaded.get_dimension() == model.wv.vector_size
    assert set(loaded.get_words()) == set(model.wv.index_to_key)
    for word in ["talo", "koirat", "talossa", "##t", "Ġjoki"]:
        np.testing.assert_allclose(loaded.get_word_vector(word), model.wv[word], atol=1e-6)
    with pytest.raises(TypeError, match="FastText"):
        peers.save_fasttext_bin(model.wv, files["root"] / "kv.bin")


def test_wechsel(models, files):
    """WECHSEL's matrix: one row per target token; the source's special tokens copied (the only rows the
    method copies), every other row the softmax mix of source rows it reports, or random where the token
    has no fastText vector."""
    pytest.importorskip("wechsel")
    src_tok, E, tgt_tok = models
    matrix, info = peers.wechsel_matrix(src_tok, tgt_tok, E, source_fasttext=files["en"],
                                        target_fasttext=files["fi"], dictionary=files["dictionary"])
    assert matrix.shape == (len(tgt_tok), E.shape[1]) and matrix.dtype == np.float32
    assert np.isfinite(matrix).all()
    assert info["dictionary_pairs"] == len(CAUSAL_PAIRS)
    specials = set()
    for value in src_tok.special_tokens_map.values():
        specials.update([value] if isinstance(value, str) else value)
    specials &= set(tgt_tok.get_vocab())
    assert specials
    for token in specials:
        np.testing.assert_array_equal(matrix[tgt_tok.convert_tokens_to_ids(token)],
                                      E[src_tok.convert_tokens_to_ids(token)])
    mixed = set(info["sources"]) - specials
    assert len(mixed) + len(info["not_found"]) >= len(tgt_tok) - len(specials)
    for token in mixed:
        neighbours, weights, _ = info["sources"][token]
        expected = weights @ E[src_tok.convert_tokens_to_ids(list(neighbours))]
        np.testing.assert_allclose(matrix[tgt_tok.convert_tokens_to_ids(token)], expected, rtol=1e-5, atol=1e-6)


def test_wechsel_takes_gensim_models(models, files):
    """gensim models are written to .bin and loaded as the files are; a space-separated dictionary is read too."""
    pytest.importorskip("wechsel")
    src_tok, E, tgt_tok = models
    spaced = files["root"] / "en-fi.spaced.txt"
    spaced.write_text("".join(f"{e} {f}\n" for e, f in CAUSAL_PAIRS), encoding="utf-8")
    matrix, info = peers.wechsel_matrix(src_tok, tgt_tok, E, source_fasttext=tiny_fasttext(english_text(seed=1)),
                                        target_fasttext=tiny_fasttext(finnish_text(seed=2)), dictionary=spaced)
    assert matrix.shape == (len(tgt_tok), E.shape[1])
    assert info["dictionary_pairs"] == len(CAUSAL_PAIRS)


def test_wechsel_refuses_what_it_would_download_or_crash_on(models, files):
    """A dictionary name that is no file (the package would fetch it from GitHub), models of two dimensions,
    and a dictionary with no pair in the vocabularies are refused before the package runs."""
    pytest.importorskip("wechsel")
    src_tok, E, tgt_tok = models
    kwargs = dict(source_fasttext=files["en"], target_fasttext=files["fi"])
    with pytest.raises(FileNotFoundError, match="would download"):
        peers.wechsel_matrix(src_tok, tgt_tok, E, dictionary="finnish", **kwargs)
    small = peers.save_fasttext_bin(tiny_fasttext(finnish_text(seed=2), dim=6), files["root"] / "fi6.bin")
    with pytest.raises(ValueError, match="dimensions 8 and 6"):
        peers.wechsel_matrix(src_tok, tgt_tok, E, source_fasttext=files["en"], target_fasttext=small,
                             dictionary=files["dictionary"])
    unknown = files["root"] / "unknown.txt"
    unknown.write_text("zebra\tseepra\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no line has both words"):
        peers.wechsel_matrix(src_tok, tgt_tok, E, dictionary=unknown, **kwargs)


def test_focus(models, files, tmp_path):
    """FOCUS's matrix: one row per target token. The tokens it matches (same decoded text in both
    vocabularies) copy the source row it names; that covers every token of both vocabularies, from its own
    row where no other source token decodes to the same text (byte-level symbols of partial UTF-8
    characters all decode to U+FFFD, whitespace bytes to nothing once stripped: FOCUS gives them all one
    source row). No row is zero, and the package's cache lands in cache_dir."""
    pytest.importorskip("deepfocus")
    import datasets.config
    import deepfocus.fasttext_embs
    from deepfocus.focus import get_overlapping_tokens

    before = deepfocus.fasttext_embs.CACHE_DIR, datasets.config.HF_DATASETS_CACHE
    src_tok, E, tgt_tok = models
    matrix = peers.focus_matrix(src_tok, tgt_tok, E, target_text=files["text"], cache_dir=tmp_path, dim=8,
                                min_count=3, processes=1)
    assert matrix.shape == (len(tgt_tok), E.shape[1]) and matrix.dtype == np.float32
    assert np.isfinite(matrix).all() and (np.abs(matrix).sum(axis=1) > 0).all()
    overlap, _ = get_overlapping_tokens(tgt_tok, src_tok, match_symbols=False, exact_match_all=True,
                                        fuzzy_match_all=False)
    for match in overlap.values():
        np.testing.assert_array_equal(matrix[match.target.id], E[match.source[0].id])
    src_vocab, tgt_vocab = src_tok.get_vocab(), tgt_tok.get_vocab()
    shared = set(src_vocab) & set(tgt_vocab)
    assert shared and shared <= set(overlap)
    for token in shared:
        if len(overlap[token].source) == 1:  # no other source token decodes to its text
            np.testing.assert_array_equal(matrix[tgt_vocab[token]], E[src_vocab[token]])
    assert (deepfocus.fasttext_embs.CACHE_DIR, datasets.config.HF_DATASETS_CACHE) == before
    assert list((tmp_path / "fasttext").glob("*.bin")) and (tmp_path / "datasets").is_dir()


def test_focus_reads_only_txt(models, files):
    pytest.importorskip("deepfocus")
    src_tok, E, tgt_tok = models
    tsv = files["root"] / "fi.tsv"
    tsv.write_text("Gen.1.1\ttalo\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"\.txt"):
        peers.focus_matrix(src_tok, tgt_tok, E, target_text=tsv)
    with pytest.raises(ValueError, match=r"\.txt"):
        peers.write_text(["talo"], tsv)
