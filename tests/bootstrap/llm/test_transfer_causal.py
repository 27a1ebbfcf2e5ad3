"""Decoder LLMs (GPT-2, Llama, Mistral, Qwen 2), tied and untied, with byte-level BPE tokenizers.

Each tiny source model (hidden size 32, 2 layers, :func:`fixtures.tiny_models.build_causal_model`)
speaks the English side of :data:`fixtures.tiny_models.CAUSAL_PAIRS`; it is moved to a byte-level
BPE tokenizer trained like its own on Finnish text, then loaded and run as users would.
"""
import json

import numpy as np
import pytest

from fixtures.tiny_models import (BYTE_SPECIALS, CAUSAL_ARCHITECTURES, CAUSAL_PAIRS, EOT, aligned_vectors,
                                  build_causal_model, bytelevel_tokenizer, english_text, finnish_text)

from offramp.bootstrap.llm import transfer as T
from offramp.bootstrap.llm.hf import continuation_prefix, sync_post_processor, word_prefix
from offramp.bootstrap.llm.transfer import ROUTES, plan_transfer

pytest.importorskip("transformers")  # the modules above import it only when called
pytest.importorskip("safetensors")

# GPT-2 has its own byte-level pre-tokeniser; Llama and Mistral split as Llama 3 does and start every
# text with bos; Qwen 2 splits so too, adds no bos and pads with <|endoftext|>.
STYLE = {"gpt2": "gpt2", "llama": "llama3", "mistral": "llama3", "qwen2": "qwen2"}
CASES = [(arch, tied) for arch in CAUSAL_ARCHITECTURES for tied in (True, False)]


@pytest.fixture(scope="module")
def vectors():
    return aligned_vectors(pairs=CAUSAL_PAIRS)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    path = tmp_path_factory.mktemp("corpus") / "fi.txt"
    path.write_text("\n".join(finnish_text(seed=2)) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module", params=["llama3", "qwen2", "gpt2"])
def tokenizers_like(request, corpus):
    """``(style, source tokenizer, Finnish tokenizer trained like it)``."""
    from offramp.bootstrap.llm.tokenization import train_tokenizer

    src = bytelevel_tokenizer(english_text(seed=1), style=request.param)
    return request.param, src, train_tokenizer(corpus, like=src, vocab_size=330, progress=False)


@pytest.fixture(scope="module", params=CASES, ids=[f"{a}-{'tied' if t else 'untied'}" for a, t in CASES])
def moved(request, tmp_path_factory, corpus, vectors):
    """A tiny causal LM moved to a Finnish byte-level tokenizer: a dict of what the tests compare."""
    from offramp.bootstrap.llm.tokenization import train_tokenizer

    arch, tied = request.param
    root = tmp_path_factory.mktemp(f"{arch}-{tied}")
    src_tok = bytelevel_tokenizer(english_text(seed=1), style=STYLE[arch])
    # Qwen 2 pads its embedding matrix past the tokenizer
    src_dir = build_causal_model(root / arch, arch, src_tok, tied=tied, padded_rows=8 if arch == "qwen2" else 0)
    tgt_tok = train_tokenizer(corpus, like=src_tok, vocab_size=330, progress=False)
    with pytest.warns(T.FallbackWarning):  # BPE's intermediate merges are in no word: mean plus noise
        report = T.transfer(src_dir, tokenizer=tgt_tok, src_vectors=vectors[0], tgt_vectors=vectors[1],
                            out=root / "fi", show_progress=False)
    return {"arch": arch, "tied": tied, "src_dir": src_dir, "out": root / "fi", "src_tok": src_tok,
            "tgt_tok": tgt_tok, "report": report}


def _load(folder):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return AutoModelForCausalLM.from_pretrained(folder), AutoTokenizer.from_pretrained(folder)


def _matrices(model):
    """Input and output embeddings as float32 arrays of shape (n_rows, hidden)."""
    return (model.get_input_embeddings().weight.detach().numpy(),
            model.get_output_embeddings().weight.detach().numpy())


def test_tied_stays_tied_and_untied_stays_untied(moved):
    from safetensors import safe_open

    model, tok = _load(moved["out"])
    n_tgt, tied = len(moved["tgt_tok"]), moved["tied"]
    assert type(model).__name__ == CAUSAL_ARCHITECTURES[moved["arch"]][0]
    assert model.config.tie_word_embeddings is tied
    same = model.get_output_embeddings().weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    assert same is tied
    # on disk: one (n_tgt, hidden) matrix when tied, the input and the output one when untied
    with safe_open(str(moved["out"] / "model.safetensors"), framework="numpy") as f:
        vocab_sized = [k for k in f.keys() if f.get_slice(k).get_shape()[0] == n_tgt]
    assert len(vocab_sized) == (1 if tied else 2), vocab_sized


def test_output_rows_follow_the_plan_of_the_input_rows(moved, vectors):
    """Every row that is not mean plus noise is the plan's mix of the source's own rows: the input
    matrix's for the input embeddings, the source ``lm_head``'s for an untied output matrix."""
    import torch

    model, _ = _load(moved["out"])
    source, _ = _load(moved["src_dir"])
    plan = plan_transfer(moved["src_tok"], moved["tgt_tok"], *vectors)
    src_in, src_out = _matrices(source)
    new_in, new_out = _matrices(model)
    mixed = ~plan.mask("fallback")
    np.testing.assert_allclose(new_in[mixed], plan.apply(src_in)[mixed], atol=1e-5)  # float32 sums of k rows
    np.testing.assert_allclose(new_out[mixed], plan.apply(src_out)[mixed], atol=1e-5)
    kept = np.flatnonzero(plan.mask("special") | plan.mask("copy"))
    assert len(kept) > 256  # the byte symbols and the special tokens keep their rows exactly
    assert np.array_equal(new_out[kept], src_out[plan.neighbours[kept, 0]])
    assert np.abs(new_out[plan.mask("fallback")]).sum(axis=1).min() > 0
    assert np.array_equal(new_in, new_out) is moved["tied"]
    for (name, p), (_, q) in zip(model.named_parameters(), source.named_parameters()):
        if p.shape == q.shape:  # everything but the embeddings is the source's
            assert torch.equal(p, q), name


def test_moved_model_generates_inside_the_new_vocabulary(moved):
    import torch

    model, tok = _load(moved["out"])
    n_tgt = len(moved["tgt_tok"])
    assert len(tok) == n_tgt and model.config.vocab_size == n_tgt
    # the Finnish tokenizer numbers its special tokens from 0; the source had them after its BPE tokens
    assert [tok.bos_token_id, tok.eos_token_id, tok.pad_token_id] == [0, 1, 2]
    for config in (model.config, model.generation_config):
        assert (config.bos_token_id, config.pad_token_id) == (tok.bos_token_id, tok.pad_token_id)
    assert model.config.eos_token_id == tok.eos_token_id
    # the generation config's second stop id (end of turn) follows its token
    assert model.generation_config.eos_token_id == [tok.eos_token_id, tok.convert_tokens_to_ids(EOT)]
    written = json.loads((moved["out"] / "generation_config.json").read_text())
    assert written["eos_token_id"] == [1, 3] and written["bos_token_id"] == 0
    inputs = tok("talo koira pitää", return_tensors="pt")
    starts_with_bos = STYLE[moved["arch"]] == "llama3"
    assert (inputs["input_ids"][0, 0].item() == tok.bos_token_id) is starts_with_bos
    with torch.no_grad():
        ids = model.generate(**inputs, max_new_tokens=5, do_sample=False)
    assert ids.shape[0] == 1 and inputs["input_ids"].shape[1] < ids.shape[1] <= inputs["input_ids"].shape[1] + 5
    assert 0 <= ids.min().item() and ids.max().item() < n_tgt
    assert isinstance(tok.decode(ids[0]), str)


def test_report_names_the_routes_of_every_row(moved):
    report = moved["report"]
    assert sum(report["routes"].values()) == report["n_tgt_tokens"] == len(moved["tgt_tok"])
    assert report["routes"]["special"] == len(BYTE_SPECIALS) + 1 and report["routes"]["wechsel"] > 10


def test_bytelevel_tokens_map_to_their_translations(tokenizers_like, vectors):
    """``Ġkoira`` (" koira" in running text) takes the row of ``Ġdog``, ``ĠpitÃ¤Ã¤`` that of ``Ġlikes``:
    the byte-level marker and byte symbols are read through the tokenizers, never assumed."""
    style, src, tgt = tokenizers_like
    assert continuation_prefix(tgt) == "" and word_prefix(tgt.backend_tokenizer) == " "
    plan = plan_transfer(src, tgt, *vectors, k=1, copy_shared=False)

    def one_token(tokenizer, word):
        ids = tokenizer(" " + word, add_special_tokens=False)["input_ids"]
        return ids[0] if len(ids) == 1 else None

    checked = []
    for en, fi in CAUSAL_PAIRS:
        s, t = one_token(src, en), one_token(tgt, fi)
        if s is None or t is None:
            continue
        assert tgt.convert_ids_to_tokens(t).startswith("Ġ")
        # the nearest source token is the translation: Ġcat, or cat (the word at the start of a
        # text, whose vector is the same)
        assert plan.route[t] == ROUTES.index("wechsel") and src.decode(plan.neighbours[t, :1]).strip() == en, (en, fi)
        checked.append(fi)
    assert len(checked) >= 12 and {"pitää", "yö"} <= set(checked), checked
    assert tgt.convert_ids_to_tokens(one_token(tgt, "pitää")) == "ĠpitÃ¤Ã¤"


def test_tokenizer_trained_like_a_bytelevel_source(tokenizers_like):
    """Same pipeline and special tokens; bos, inserted by Llama 3's post-processor, gets its new id."""
    style, src, tgt = tokenizers_like
    assert type(tgt.backend_tokenizer.pre_tokenizer) is type(src.backend_tokenizer.pre_tokenizer)
    assert tgt.all_special_tokens == src.all_special_tokens and len(tgt) <= 330
    assert sync_post_processor(tgt, apply=False) == []
    ids = tgt("pitää yö")["input_ids"]
    assert (ids[0] == tgt.bos_token_id == 0) is (style == "llama3") and max(ids) < len(tgt)
    assert tgt.decode(ids, skip_special_tokens=True) == "pitää yö"


def test_sync_post_processor_renumbers_a_stale_bos(corpus, tmp_path, vectors):
    """A Llama 3-style tokenizer whose post-processor still inserts the source's bos id (as
    ``train_new_from_iterator`` leaves it) is refused by the transfer, and repaired by the helper."""
    import copy

    from tokenizers import Tokenizer

    from offramp.bootstrap.llm.tokenization import train_tokenizer

    src = bytelevel_tokenizer(english_text(seed=1))
    tgt = train_tokenizer(corpus, like=src, vocab_size=330, progress=False)
    stale = copy.deepcopy(tgt)
    state = json.loads(stale.backend_tokenizer.to_str())
    state["post_processor"]["processors"][1]["special_tokens"][BYTE_SPECIALS["bos_token"]]["ids"] = [len(tgt) + 5]
    stale._tokenizer = Tokenizer.from_str(json.dumps(state))
    assert stale("talo")["input_ids"][0] == len(tgt) + 5
    source = build_causal_model(tmp_path / "src", "llama", src, tied=False)
    with pytest.raises(ValueError, match=r"post-processor inserts <\|begin_of_text\|> as id \[335\] but the "
                                         r"vocabulary has it at \[0\].*offramp tokenizer --like"):
        T.transfer(source, tokenizer=stale, src_vectors=vectors[0], tgt_vectors=vectors[1], out=tmp_path / "m",
                   show_progress=False)
    assert not (tmp_path / "m").exists()
    assert sync_post_processor(stale) == [(BYTE_SPECIALS["bos_token"], [len(tgt) + 5], [0])]
    assert stale("talo")["input_ids"] == tgt("talo")["input_ids"]


def test_extended_bytelevel_tokenizer_keeps_special_ids(corpus, vectors, tmp_path):
    """Extending a Llama 3-style tokenizer (special tokens after the BPE tokens) keeps every id; the
    transfer copies the source rows of the source's tokens and the ids in the configs stay."""
    from offramp.bootstrap.llm.tokenization import extend_tokenizer

    src = bytelevel_tokenizer(english_text(seed=1))
    source = build_causal_model(tmp_path / "src", "llama", src, tied=False)
    ext, added = extend_tokenizer(corpus, like=src, extend=40)
    assert "pitää" in added and ext.get_vocab()["ĠpitÃ¤Ã¤"] > src.convert_tokens_to_ids(EOT)
    assert {t: ext.get_vocab()[t] for t in src.get_vocab()} == src.get_vocab()
    with pytest.warns(T.FallbackWarning):
        report = T.transfer(source, tokenizer=ext, src_vectors=vectors[0], tgt_vectors=vectors[1],
                            out=tmp_path / "m", show_progress=False)
    assert report["routes"]["copy"] + report["routes"]["special"] == len(src)
    model, tok = _load(tmp_path / "m")
    assert model.generation_config.eos_token_id == [src.eos_token_id, src.convert_tokens_to_ids(EOT)]
    assert model.config.bos_token_id == tok.bos_token_id == src.bos_token_id and len(tok) == len(ext)
    src_model, _ = _load(source)
    assert np.array_equal(_matrices(model)[1][:len(src)], _matrices(src_model)[1])
    assert tok.decode(tok("talo pitää yö", add_special_tokens=False)["input_ids"]) == "talo pitää yö"


@pytest.mark.filterwarnings("ignore::offramp.bootstrap.llm.transfer.FallbackWarning")
def test_tokenizer_that_loads_longer_than_the_model_is_refused(vectors, tmp_path):
    """transformers loads a Qwen 2 directory's tokenizer as Qwen2Tokenizer, which adds ``<|endoftext|>``
    when the vocabulary lacks it: that id would lie past the embedding rows, so nothing is written."""
    from transformers import AutoTokenizer

    src = bytelevel_tokenizer(english_text(seed=1))  # Llama 3's special tokens: no <|endoftext|>
    source = build_causal_model(tmp_path / "src", "qwen2", src, tied=True)
    if len(AutoTokenizer.from_pretrained(source)) == len(src):
        pytest.skip("this transformers loads the tokenizer as saved")
    tgt = bytelevel_tokenizer(finnish_text(seed=2), vocab_size=330)
    with pytest.raises(ValueError, match=r"AutoTokenizer loads the new tokenizer as Qwen2Tokenizer with 335 tokens, "
                                         r"not the model's 334: it adds <\|endoftext\|>"):
        T.transfer(source, tokenizer=tgt, src_vectors=vectors[0], tgt_vectors=vectors[1], out=tmp_path / "m",
                   show_progress=False)
    assert not (tmp_path / "m").exists()


def test_config_ids_follow_their_tokens_or_are_dropped(tokenizers_like, vectors):
    """Role ids come from the new tokenizer; other ids follow the token of the same string (by the
    source tokenizer, or through the plan's special and copied rows); ids of tokens the new
    tokenizer lacks are dropped."""
    from transformers import GenerationConfig

    from offramp.bootstrap.llm.export import _set_special_ids, _source_to_target_ids

    _, src, tgt = tokenizers_like
    plan = plan_transfer(src, tgt, *vectors)
    by_string = _source_to_target_ids(tgt, plan, src)
    by_plan = _source_to_target_ids(tgt, plan, None)
    specials = src.convert_tokens_to_ids(src.all_special_tokens)
    assert [by_string[i] for i in specials] == [by_plan[i] for i in specials] == \
        tgt.convert_tokens_to_ids(src.all_special_tokens)
    gone = src.get_vocab()["Ġhouse"]  # an English word the Finnish vocabulary lacks
    eos, eot = src.eos_token_id, src.convert_tokens_to_ids(EOT)
    config = GenerationConfig(eos_token_id=[eos, gone, eot], pad_token_id=None, suppress_tokens=[gone, eot],
                              begin_suppress_tokens=[gone])
    config.forced_eos_token_id = gone  # set after: the constructor refuses a forced token that is suppressed
    _set_special_ids(config, tgt, by_string)
    assert config.eos_token_id == [1, 3] and config.pad_token_id == tgt.pad_token_id == 2
    assert config.suppress_tokens == [3] and config.begin_suppress_tokens == [] and config.forced_eos_token_id is None
