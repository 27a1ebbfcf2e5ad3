"""``offramp tokenizer``, ``offramp transfer`` and ``offramp fertility`` through click's CliRunner."""
import json

import pytest
from click.testing import CliRunner

pytest.importorskip("transformers")

from fixtures.tiny_models import FI_VOCAB, aligned_vectors, build_source_model

from offramp.cli.main import main

FI_TEXT = "Gen.1.1\ttalossa on iso koira\nGen.1.2\tkoirat ja kissat talossa\nGen.1.3\tkuningas ja vesi\n" * 20


@pytest.fixture(scope="module")
def source_dir(tmp_path_factory):
    return build_source_model(tmp_path_factory.mktemp("src") / "tiny-bert")


@pytest.fixture()
def corpus(tmp_path):
    path = tmp_path / "fi.test.tsv"
    path.write_text(FI_TEXT, encoding="utf-8")
    return path


@pytest.fixture()
def vectors(tmp_path):
    from offramp.bootstrap.io.embeddings import save_embeddings

    def write(rotate=False):
        en_kv, fi_kv = aligned_vectors(rotate=rotate)
        save_embeddings(en_kv, tmp_path / "en.mapped.vec")
        save_embeddings(fi_kv, tmp_path / "fi.mapped.vec")
        return tmp_path / "en.mapped.vec", tmp_path / "fi.mapped.vec"

    return write


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("command", ["tokenizer", "transfer", "fertility"])
def test_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0 and "Example" in result.output


@pytest.mark.parametrize("extra, expected", [
    (["--vocab-size", "120", "--min-frequency", "1"], "trained"),
    (["--extend", "3"], "added 3 tokens to 20"),
])
def test_tokenizer_command(source_dir, corpus, tmp_path, extra, expected):
    out = tmp_path / "fi-tok"
    result = run("tokenizer", corpus, "--like", source_dir, "--out", out, *extra,
                 "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    assert expected in result.output and "offramp:" in result.output and "tokenizer:WordPiece" in result.output
    from transformers import AutoTokenizer

    assert AutoTokenizer.from_pretrained(out).all_special_tokens == ["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"]
    assert json.loads((tmp_path / "r.json").read_text())["kind"] == "WordPiece"


def test_tokenizer_smaller_than_the_alphabet_says_what_it_wrote(source_dir, corpus, tmp_path):
    result = run("tokenizer", corpus, "--like", source_dir, "--out", tmp_path / "tok", "--vocab-size", "6",
                 "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n_tokens"] > 6 and report["vocab_size"] == 6
    assert f"warning: the tokenizer has {report['n_tokens']} tokens, more than --vocab-size 6" in result.stderr
    assert f"trained {report['n_tokens']} tokens" in result.stdout


@pytest.mark.parametrize("extra, fields", [
    (["--vocab-size", "120", "--min-frequency", "1"], "|tokenizer:WordPiece|mode:train|vocab:120|min_frequency:1"),
    (["--vocab-size", "120", "--min-frequency", "1", "--lang", "FI"],
     "|tokenizer:WordPiece|mode:train|vocab:120|min_frequency:1|lang:fi"),
    (["--extend", "3"], "|tokenizer:WordPiece|mode:extend|extend:3|min_count:5"),
    (["--extend", "3", "--min-count", "2", "--lexicon", "{tmp}/lex.tsv", "--lang", "fi", "--exclude-ids",
      "{tmp}/ids.txt"], "|tokenizer:WordPiece|mode:extend|extend:3|min_count:2|lexicon:yes|lang:fi|held_out:yes"),
])
def test_tokenizer_signature_names_the_options_that_change_the_output(source_dir, corpus, tmp_path, extra, fields):
    """--lexicon, --min-count (extend mode), --lang (normalised) and --exclude-ids join the signature
    when set, in the order of the other fields; unset, they are left out."""
    (tmp_path / "lex.tsv").write_text("# source\ttarget\tscore\trank\nhouse\ttalossa\t0.9\t1\n", encoding="utf-8")
    (tmp_path / "ids.txt").write_text("Gen.1.3\n", encoding="utf-8")
    extra = [a.format(tmp=tmp_path) for a in extra]
    result = run("tokenizer", corpus, "--like", source_dir, "--out", tmp_path / "tok", *extra)
    assert result.exit_code == 0, result.output
    assert result.output.rstrip("\n").endswith(fields), result.output


def test_tokenizer_exclude_ids(source_dir, corpus, tmp_path):
    ids = tmp_path / "ids.txt"
    ids.write_text("Gen.1.1\nGen.1.2\nGen.1.3\n", encoding="utf-8")
    result = run("tokenizer", corpus, "--like", source_dir, "--out", tmp_path / "t", "--exclude-ids", ids)
    assert result.exit_code != 0 and "fi.test.tsv" in result.output  # every line held out: nothing left
    assert not (tmp_path / "t").exists()


@pytest.mark.parametrize("args, message", [
    (["--vocab-size", "5"], "larger than the 5 special tokens"),
    (["--lexicon", "lex.tsv"], "only with --extend"),
])
def test_tokenizer_bad_input(source_dir, corpus, tmp_path, args, message):
    result = run("tokenizer", corpus, "--like", source_dir, "--out", tmp_path / "t", *args)
    assert result.exit_code != 0 and message in result.output
    assert not (tmp_path / "t").exists()


def test_tokenizer_several_languages(source_dir, corpus, tmp_path):
    """--corpus LANG PATH for each language: one extended tokenizer, each language's added words in the summary
    and the report; mixed with CORPUS arguments or --lang it is refused."""
    sv = tmp_path / "sv.test.tsv"
    sv.write_text("Gen.1.1\thuset och hunden\nGen.1.2\thunden och katten\n" * 20, encoding="utf-8")
    result = run("tokenizer", "--corpus", "fi", corpus, "--corpus", "SV", sv, "--like", source_dir, "--extend", "6",
                 "--out", tmp_path / "t", "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert set(report["languages"]) == {"fi", "sv"} and report["n_added"] == 6
    assert all(v["added"] > 0 and v["floor"] == 1 for v in report["languages"].values())
    assert f"(fi {report['languages']['fi']['added']}, sv {report['languages']['sv']['added']} words)" in result.output
    assert "lang:fi,sv|floor:0.5" in result.output
    for extra in ([corpus], ["--lang", "fi"]):
        bad = run("tokenizer", "--corpus", "fi", corpus, *extra, "--like", source_dir, "--extend", "3", "--out",
                  tmp_path / "t2")
        assert bad.exit_code != 0 and "--corpus LANG PATH names each file's language" in bad.output
    bad = run("tokenizer", "--like", source_dir, "--extend", "3", "--out", tmp_path / "t3")
    assert bad.exit_code != 0 and "give the corpus files" in bad.output


def test_transfer_several_pairs(source_dir, vectors, tmp_path):
    """--src-vectors/--tgt-vectors repeated in pairs: one model, both pairs in the report; unpaired refused."""
    from offramp.bootstrap.llm.hf import save_tokenizer
    from fixtures.tiny_models import tokenizer_from_vocab

    save_tokenizer(tokenizer_from_vocab(tmp_path, FI_VOCAB, "fi-src"), tmp_path / "fi-tok")
    en, fi = vectors()
    result = run("transfer", source_dir, "--tokenizer", tmp_path / "fi-tok", "--src-vectors", en, "--tgt-vectors", fi,
                 "--src-vectors", en, "--tgt-vectors", fi, "--out", tmp_path / "m", "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["tgt_vectors"] == [str(fi), str(fi)] and "languages:2" in result.output
    bad = run("transfer", source_dir, "--tokenizer", tmp_path / "fi-tok", "--src-vectors", en, "--tgt-vectors", fi,
              "--tgt-vectors", fi, "--out", tmp_path / "m2")
    assert bad.exit_code != 0 and "give them in pairs" in bad.output


def test_tokenizer_empty_corpus(source_dir, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = run("tokenizer", empty, "--like", source_dir, "--out", tmp_path / "t")
    assert result.exit_code != 0 and "empty.txt" in result.output


def test_transfer_command(source_dir, vectors, tmp_path):
    from offramp.bootstrap.llm.hf import save_tokenizer
    from fixtures.tiny_models import tokenizer_from_vocab

    save_tokenizer(tokenizer_from_vocab(tmp_path, FI_VOCAB, "fi-src"), tmp_path / "fi-tok")
    en, fi = vectors()
    out = tmp_path / "fi-model"
    result = run("transfer", source_dir, "--tokenizer", tmp_path / "fi-tok", "--src-vectors", en, "--tgt-vectors", fi,
                 "--out", out, "--copy-shared", "-k", "3", "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    assert "18 tokens (special 5, copy 2, lexicon 0, wechsel 10, fallback 1)" in result.output
    assert "k:3" in result.output and "copy_shared:yes" in result.output and "fallback_noise:1.0" in result.output
    assert "warning:" not in result.stderr  # 1 of 11 new rows fall back: no warning
    from transformers import AutoModel

    assert AutoModel.from_pretrained(out).get_input_embeddings().weight.shape == (18, 16)
    assert json.loads((tmp_path / "r.json").read_text())["routes"]["copy"] == 2


@pytest.mark.parametrize("noise", ["0", "0.5", "1.0"])
def test_transfer_signature_names_the_fallback_noise(source_dir, vectors, tmp_path, noise):
    en, fi = vectors()
    result = run("transfer", source_dir, "--tokenizer", source_dir, "--src-vectors", en, "--tgt-vectors", fi,
                 "--out", tmp_path / "m", "--fallback-noise", noise)
    assert result.exit_code == 0, result.output
    assert f"|fallback_noise:{float(noise)}|seed:0" in result.stdout


def test_transfer_warns_when_most_rows_fall_back(source_dir, tmp_path):
    """Finnish vectors that know one token of the tokenizer: 10 of 11 new rows fall back."""
    from offramp.bootstrap.io.embeddings import make_keyed_vectors, save_embeddings
    from offramp.bootstrap.llm.hf import save_tokenizer
    from fixtures.tiny_models import tokenizer_from_vocab

    en_kv, fi_kv = aligned_vectors()
    keep = ["talo"] + [w for w in fi_kv.index_to_key if w.startswith("q")]
    save_embeddings(en_kv, tmp_path / "en.vec")
    save_embeddings(make_keyed_vectors(keep, fi_kv[keep]), tmp_path / "fi.vec")
    save_tokenizer(tokenizer_from_vocab(tmp_path, FI_VOCAB, "fi-src"), tmp_path / "fi-tok")
    result = run("transfer", source_dir, "--tokenizer", tmp_path / "fi-tok", "--src-vectors", tmp_path / "en.vec",
                 "--tgt-vectors", tmp_path / "fi.vec", "--out", tmp_path / "m", "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if "warning" in line.lower()]  # stderr also has tqdm bars
    assert len(warned) == 1 and "FallbackWarning" not in result.stderr
    assert warned[0].startswith("warning: 10 of 11 rows (90.9%) had no aligned word and were set to the mean "
                                "plus noise; ")
    assert "fallback 10" in result.stdout and "warning" not in result.stdout
    assert json.loads((tmp_path / "r.json").read_text())["fallback"]["rows"] == 10


@pytest.mark.parametrize("seed, signature, advice", [
    ("parallel", "method:offramp|seed:parallel|csls:10", "--for transfer"),
    ("dictionary", "method:offramp|seed:dictionary|csls:10", "--refine auto"),
    ("parallel", "method:offramp|seed:parallel|refine:instance:k10,t0.1,s0.3|csls:10", None),
    ("cognates+numerals", "method:offramp|seed:cognates+numerals|csls:10", None),
])
def test_transfer_advises_refining_an_unrefined_alignment(source_dir, vectors, tmp_path, seed, signature, advice):
    en, fi = vectors()
    for path, side in ((en, "src"), (fi, "tgt")):
        (tmp_path / (path.name + ".offramp.json")).write_text(json.dumps(
            {"space_id": "s", "side": side, "preset": "offramp", "seed": seed, "signature": signature}))
    result = run("transfer", source_dir, "--tokenizer", source_dir, "--src-vectors", en, "--tgt-vectors", fi,
                 "--out", tmp_path / "m", "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    warned = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    if advice is None:
        assert warned == []
    else:
        assert len(warned) == 1 and f"aligned from a {seed} seed without refinement" in warned[0]
        assert f"align with {advice}" in warned[0] and "AlignmentAdvice" not in result.stderr
        assert json.loads((tmp_path / "r.json").read_text())["warnings"] == [warned[0][len("warning: "):]]


@pytest.mark.parametrize("order", ["swapped", "same"])
def test_transfer_refuses_swapped_or_identical_vector_files(source_dir, vectors, tmp_path, order):
    en, fi = vectors()
    for path, side in ((en, "src"), (fi, "tgt")):
        (tmp_path / (path.name + ".offramp.json")).write_text(json.dumps({"space_id": "s", "side": side}))
    src, tgt = (fi, en) if order == "swapped" else (en, en)
    result = run("transfer", source_dir, "--tokenizer", source_dir, "--src-vectors", src, "--tgt-vectors", tgt,
                 "--out", tmp_path / "m")
    message = "swap them (--src-vectors" if order == "swapped" else "are the same file"
    assert result.exit_code == 1 and message in result.output and str(src) in result.output
    assert not (tmp_path / "m").exists()


def test_transfer_trusts_the_records_of_one_align_run(source_dir, vectors, tmp_path):
    """Sidecars of one offramp align run (its source and target sides) vouch for the pair: the statistical
    check, which needs shared strings a small or distant pair may not have, is skipped."""
    en, fi = vectors(rotate=True)  # the statistical check would refuse these
    for path, side in ((en, "src"), (fi, "tgt")):
        (tmp_path / (path.name + ".offramp.json")).write_text(json.dumps({"space_id": "s", "side": side}))
    result = run("transfer", source_dir, "--tokenizer", source_dir, "--src-vectors", en, "--tgt-vectors", fi,
                 "--out", tmp_path / "m", "--report", tmp_path / "r.json")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "r.json").read_text())["aligned_by_records"] is True


def test_transfer_refuses_unaligned_vectors(source_dir, vectors, tmp_path):
    en, fi = vectors(rotate=True)
    result = run("transfer", source_dir, "--tokenizer", source_dir, "--src-vectors", en, "--tgt-vectors", fi,
                 "--out", tmp_path / "m")
    assert result.exit_code == 1 and "do not look aligned" in result.output
    assert not (tmp_path / "m").exists()


def test_transfer_source_without_tokenizer(source_dir, vectors, tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "config.json").write_text((source_dir / "config.json").read_text())
    en, fi = vectors()
    result = run("transfer", bare, "--tokenizer", source_dir, "--src-vectors", en, "--tgt-vectors", fi,
                 "--out", tmp_path / "m")
    assert result.exit_code == 1 and "holds no tokenizer" in result.output


def test_fertility_command(source_dir, corpus, tmp_path):
    out = tmp_path / "fi-tok"
    assert run("tokenizer", corpus, "--like", source_dir, "--out", out, "--vocab-size", "120",
               "--min-frequency", "1").exit_code == 0
    result = run("fertility", corpus, "--tokenizer", source_dir, "--tokenizer", out, "--json", tmp_path / "f.json")
    assert result.exit_code == 0, result.output
    table = json.loads((tmp_path / "f.json").read_text())
    # The tiny English vocabulary knows no Finnish word: 1 token each, all unknown.
    assert table[str(source_dir)]["tokens_per_word"] == 1.0 and table[str(source_dir)]["share_unknown"] == 1.0
    assert table[str(out)]["share_unknown"] == 0.0
    assert table[str(out)]["n_words"] == 220 and "tokens/word" in result.output


def test_tokenizer_and_fertility_lang_split_elisions(source_dir, tmp_path):
    text = tmp_path / "fr.test.tsv"
    text.write_text("Gen.1.1\tl'eau et l'homme\n" * 10, encoding="utf-8")
    for lang, word in ((None, "l'eau"), ("fr", "eau")):
        out = tmp_path / f"tok-{lang}"
        args = ["--lang", lang] if lang else []
        result = run("tokenizer", text, "--like", source_dir, "--out", out, "--extend", "10", *args,
                     "--report", tmp_path / "r.json")
        assert result.exit_code == 0, result.output
        added = json.loads((tmp_path / "r.json").read_text())["added_examples"]
        assert word in added and (lang is None or "l'eau" not in added)
        result = run("fertility", text, "--tokenizer", source_dir, *args)
        assert result.exit_code == 0 and f"{50 if lang else 30} words" in result.output, result.output


def test_tokenizer_and_transfer_take_no_progress(source_dir, corpus, vectors, tmp_path):
    """--no-progress is accepted by both and leaves stderr empty (no trainer or token-vector bar)."""
    result = run("tokenizer", corpus, "--like", source_dir, "--out", tmp_path / "tok", "--vocab-size", "120",
                 "--min-frequency", "1", "--no-progress")
    assert result.exit_code == 0 and result.stderr == "", result.output
    en, fi = vectors()
    result = run("transfer", source_dir, "--tokenizer", tmp_path / "tok", "--src-vectors", en, "--tgt-vectors", fi,
                 "--out", tmp_path / "m", "--no-progress")
    assert result.exit_code == 0 and "batch" not in result.stderr, result.output
    # transformers' own bars (loading the source model, writing the new one) are silenced too; the
    # fallback warning of these tiny vectors is the only line left
    assert "Loading weights" not in result.stderr and "Writing model shards" not in result.stderr
    assert "%|" not in result.stderr and result.stderr.startswith("warning: "), result.stderr
    from transformers.utils import logging as hf_logging

    assert hf_logging.is_progress_bar_enabled()  # restored for whoever runs next in this process


@pytest.mark.parametrize("args, message", [
    (["--min-count", "2"], "--min-count is used only with --extend"),
    (["--extend", "3", "--min-frequency", "1"], "--min-frequency is used only when training"),
    (["--extend", "3", "--vocab-size", "120"], "--vocab-size is used only when training"),
])
def test_tokenizer_refuses_options_its_mode_ignores(source_dir, corpus, tmp_path, args, message):
    """An option the chosen mode would silently ignore is refused before any work."""
    result = run("tokenizer", corpus, "--like", source_dir, "--out", tmp_path / "t", *args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "t").exists()


def test_transfer_removes_what_a_killed_run_left_beside_its_output(source_dir, vectors, tmp_path):
    en, fi = vectors()
    debris = tmp_path / ".m.a1b2c3d4.tmp"
    debris.mkdir()
    (debris / "model.safetensors").write_text("half")
    result = run("transfer", source_dir, "--tokenizer", source_dir, "--src-vectors", en, "--tgt-vectors", fi,
                 "--out", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert not debris.exists() and not (tmp_path / ".m.lock").exists() and (tmp_path / "m").is_dir()


# Decoder LLMs: (architecture, tied output embeddings) and the byte-level style of its tokenizer.
DECODERS = [(arch, tied) for arch in ("gpt2", "llama", "mistral", "qwen2") for tied in (True, False)]
DECODER_STYLE = {"gpt2": "gpt2", "llama": "llama3", "mistral": "llama3", "qwen2": "qwen2"}


def _decoder_inputs(tmp_path, arch, tied):
    """A tiny causal LM with an English byte-level BPE tokenizer, Finnish text and aligned vector files."""
    from offramp.bootstrap.io.embeddings import save_embeddings
    from fixtures.tiny_models import CAUSAL_PAIRS, build_causal_model, bytelevel_tokenizer, english_text, finnish_text

    src_tok = bytelevel_tokenizer(english_text(seed=1), style=DECODER_STYLE[arch])
    model = build_causal_model(tmp_path / arch, arch, src_tok, tied=tied)
    corpus = tmp_path / "fi.txt"
    corpus.write_text("\n".join(finnish_text(seed=2)) + "\n", encoding="utf-8")
    for lang, kv in zip(("en", "fi"), aligned_vectors(pairs=CAUSAL_PAIRS)):
        save_embeddings(kv, tmp_path / f"{lang}.mapped.vec")
    return model, corpus, tmp_path / "en.mapped.vec", tmp_path / "fi.mapped.vec"


def _generates(out, n_tokens):
    """Load ``out`` as users do and generate 5 tokens; every id lies in the new vocabulary."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model, tok = AutoModelForCausalLM.from_pretrained(out), AutoTokenizer.from_pretrained(out)
    assert len(tok) == model.config.vocab_size == n_tokens
    assert model.generation_config.eos_token_id[0] == model.config.eos_token_id == tok.eos_token_id
    assert model.generation_config.pad_token_id == model.config.pad_token_id == tok.pad_token_id
    with torch.no_grad():
        ids = model.generate(**tok("talo koira pitää", return_tensors="pt"), max_new_tokens=5, do_sample=False)
    assert ids.max().item() < n_tokens
    return model


@pytest.mark.parametrize("arch, tied", DECODERS, ids=[f"{a}-{'tied' if t else 'untied'}" for a, t in DECODERS])
def test_tokenizer_and_transfer_of_a_decoder_llm(tmp_path, arch, tied):
    """offramp tokenizer --like a byte-level BPE model, then offramp transfer: the written directory
    loads with AutoModelForCausalLM, keeps its tying and generates inside the new vocabulary."""
    model, corpus, en, fi = _decoder_inputs(tmp_path, arch, tied)
    result = run("tokenizer", corpus, "--like", model, "--out", tmp_path / "fi-tok", "--vocab-size", "330",
                 "--no-progress")
    assert result.exit_code == 0, result.output
    assert "(BPE)" in result.output
    result = run("transfer", model, "--tokenizer", tmp_path / "fi-tok", "--src-vectors", en, "--tgt-vectors", fi,
                 "--out", tmp_path / "fi-model", "--report", tmp_path / "r.json", "--no-progress")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["routes"]["special"] == 4 and report["routes"]["wechsel"] > 10
    moved = _generates(tmp_path / "fi-model", report["n_tgt_tokens"])
    assert type(moved).__name__ == json.loads((model / "config.json").read_text())["architectures"][0]
    same = moved.get_output_embeddings().weight.data_ptr() == moved.get_input_embeddings().weight.data_ptr()
    assert moved.config.tie_word_embeddings is tied and same is tied


@pytest.mark.parametrize("arch, tied", [("llama", False), ("qwen2", True)])
def test_extended_tokenizer_and_transfer_of_a_decoder_llm(tmp_path, arch, tied):
    """offramp tokenizer --extend on a byte-level BPE model keeps every source id (its special tokens
    after the BPE tokens included), and the moved model keeps the source's ids in its configs."""
    model, corpus, en, fi = _decoder_inputs(tmp_path, arch, tied)
    result = run("tokenizer", corpus, "--like", model, "--out", tmp_path / "fi-tok", "--extend", "40",
                 "--report", tmp_path / "tok.json", "--no-progress")
    assert result.exit_code == 0, result.output
    info = json.loads((tmp_path / "tok.json").read_text())
    assert info["kind"] == "BPE" and 0 < info["n_added"] <= 40 and "pitää" in info["added_examples"]
    result = run("transfer", model, "--tokenizer", tmp_path / "fi-tok", "--src-vectors", en, "--tgt-vectors", fi,
                 "--out", tmp_path / "fi-model", "--no-progress")
    assert result.exit_code == 0, result.output
    moved = _generates(tmp_path / "fi-model", info["n_tokens"])
    source = json.loads((model / "config.json").read_text())
    assert (moved.config.eos_token_id, moved.config.pad_token_id) == (source["eos_token_id"], source["pad_token_id"])
