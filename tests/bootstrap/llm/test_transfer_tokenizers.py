"""Token vectors for tokenizers that mark word starts: byte-level BPE (``Ġword``) and Metaspace (``▁word``).

Tiny BPE tokenizers are trained in a few milliseconds on 400 lines of two made-up languages of
300 words each; word ``i`` of one language translates word ``i`` of the other and shares its vector.
"""
import numpy as np
import pytest

pytest.importorskip("transformers")
tokenizers = pytest.importorskip("tokenizers")

from offramp.bootstrap.llm import hf
from offramp.bootstrap.llm.hf import word_prefix
from offramp.bootstrap.llm.transfer import ROUTES, plan_transfer, token_vectors

EN_SYLLABLES = ["the", "ho", "use", "do", "ga", "ca", "ter", "fi", "re", "kin", "wa", "sma", "bi", "red", "al"]
FI_SYLLABLES = ["ta", "lo", "koi", "ra", "kis", "sa", "ve", "si", "tu", "li", "ku", "nin", "gas", "pu", "nen"]
N_WORDS, DIM = 300, 16


def made_up_words(syllables, seed):
    rng = np.random.default_rng(seed)
    words = []
    while len(words) < N_WORDS:
        word = "".join(rng.choice(syllables, size=rng.integers(1, 4)))
        if word not in words:
            words.append(word)
    return words


def running_text(words, seed, n_lines=400):
    """Lines of 8 words drawn with Zipf frequencies (word i has weight 1 / (i + 1))."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, len(words) + 1)
    return [" ".join(rng.choice(words, size=8, p=p / p.sum())) for _ in range(n_lines)]


def bpe_tokenizer(lines, style, vocab_size=300):
    """A trained BPE ``PreTrainedTokenizerFast``.

    ``style`` is ``'bytelevel'`` (GPT-2 / Llama 3: ByteLevel without prefix space, so ``Ġ`` marks a
    word start inside running text only) or a Metaspace ``prepend_scheme`` (``'always'``,
    ``'never'``: SentencePiece style, ``▁`` marks word starts).
    """
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    if style == "bytelevel":
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        tok.decoder = decoders.ByteLevel()
        specials = {"eos_token": "<|endoftext|>"}
    else:
        tok = Tokenizer(models.BPE(unk_token="<unk>"))
        tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme=style)
        tok.decoder = decoders.Metaspace(prepend_scheme=style)
        specials = {"unk_token": "<unk>", "bos_token": "<s>", "eos_token": "</s>"}
    tok.train_from_iterator(lines, trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=list(specials.values())))
    return PreTrainedTokenizerFast(tokenizer_object=tok, **specials)


@pytest.fixture(scope="module")
def languages():
    """English-like and Finnish-like words with aligned vectors (translations differ by 0.01 noise)."""
    from offramp.bootstrap.io.embeddings import make_keyed_vectors

    en, fi = made_up_words(EN_SYLLABLES, 1), made_up_words(FI_SYLLABLES, 2)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N_WORDS, DIM)).astype(np.float32)
    Z = X + np.float32(0.01) * rng.standard_normal(X.shape).astype(np.float32)
    return en, fi, make_keyed_vectors(en, X), make_keyed_vectors(fi, Z)


@pytest.fixture(scope="module", params=["bytelevel", "never", "always"])
def pair(request, languages):
    en, fi, en_kv, fi_kv = languages
    src = bpe_tokenizer(running_text(en, 3), request.param)
    tgt = bpe_tokenizer(running_text(fi, 4), request.param)
    return request.param, src, tgt, en_kv, fi_kv


def _backend(pre_tokenizer=None, normalizer=None):
    from tokenizers import Tokenizer, models

    tok = Tokenizer(models.BPE())
    if pre_tokenizer is not None:
        tok.pre_tokenizer = pre_tokenizer
    if normalizer is not None:
        tok.normalizer = normalizer
    return tok


@pytest.mark.parametrize("make, prefix", [
    (lambda p, n: _backend(p.BertPreTokenizer(), n.BertNormalizer()), ""),         # WordPiece / BERT
    (lambda p, n: _backend(p.ByteLevel(add_prefix_space=False)), " "),           # GPT-2
    (lambda p, n: _backend(p.ByteLevel(add_prefix_space=True)), ""),             # RoBERTa with prefix space
    (lambda p, n: _backend(p.Sequence([p.Split(" ?[a-z]+", "isolated"),          # Llama 3: split, then bytes
                                       p.ByteLevel(add_prefix_space=False, use_regex=False)])), " "),
    (lambda p, n: _backend(p.Metaspace(prepend_scheme="always")), ""),           # T5, XLM-R
    (lambda p, n: _backend(p.Metaspace(prepend_scheme="first")), ""),            # Llama 2 (new conversion)
    (lambda p, n: _backend(p.Metaspace(prepend_scheme="never")), " "),
    (lambda p, n: _backend(None, n.Sequence([n.Prepend("▁"), n.Replace(" ", "▁")])), ""),  # Llama 2 (legacy)
])
def test_word_prefix_matches_running_text(make, prefix):
    from tokenizers import normalizers, pre_tokenizers

    assert word_prefix(make(pre_tokenizers, normalizers)) == prefix


def _fallback_share(src, tgt, en_kv, fi_kv):
    n_fallback, n_new = plan_transfer(src, tgt, en_kv, fi_kv, check_alignment=False, copy_shared=False,
                                      k=3).fallback_share()
    return n_fallback / n_new


# Fallback share of the new rows, bare words (the old encoding) -> words as in running text.
# Measured: bytelevel 68.2% -> 6.7%, never 68.0% -> 6.7%, always 18.5% -> 18.5% (Metaspace 'always'
# puts '▁' before a bare word by itself). What stays without a vector is single characters and BPE
# merges that only served as steps to longer tokens: none of them occurs in the tokenised corpus.
EXPECTED_SHARE = {"bytelevel": (0.5, 0.1), "never": (0.5, 0.1), "always": (0.15, 0.25)}


def test_fallback_share_drops(pair, monkeypatch):
    style, src, tgt, en_kv, fi_kv = pair
    after = _fallback_share(src, tgt, en_kv, fi_kv)
    with monkeypatch.context() as m:  # the old behaviour: every word encoded bare
        m.setattr(hf, "word_prefix", lambda backend: "")  # read by hf.word_encoder, which transfer uses
        before = _fallback_share(src, tgt, en_kv, fi_kv)
    low_before, high_after = EXPECTED_SHARE[style]
    assert before > low_before and after < high_after and after <= before, (before, after)


def test_word_initial_tokens_get_vectors(pair, languages):
    """Every token of the tokenised corpus gets a vector, word-initial ones (Ġtalo, ▁talo) included."""
    style, _, tgt, _, fi_kv = pair
    _, fi, _, _ = languages
    _, kind = token_vectors(tgt, fi_kv)
    used = {i for line in running_text(fi, 4) for i in tgt(line, add_special_tokens=False)["input_ids"]}
    initial = [i for t, i in tgt.get_vocab().items() if i in used and t[0] in "Ġ▁" and len(t) > 1]
    assert len(initial) > 100
    assert [tgt.convert_ids_to_tokens(i) for i in sorted(used) if kind[i] == 0] == []
    # A lone word-start marker is dropped from the words' encodings: it has no vector.
    for marker in ("Ġ", "▁"):
        if marker in tgt.get_vocab():
            assert kind[tgt.get_vocab()[marker]] == 0


def _whole_word_tokens(tokenizer, words):
    """``{word: token id}`` for words that are one token inside running text (after 'x ')."""
    out = {}
    for word in words:
        ids = tokenizer("x " + word, add_special_tokens=False)["input_ids"]
        marker = tokenizer.convert_ids_to_tokens(ids[-1])
        if len(tokenizer(" " + word, add_special_tokens=False)["input_ids"]) == 1 and marker[0] in "Ġ▁":
            out[word] = ids[-1]
    return out


def test_wechsel_neighbour_of_a_word_initial_token_is_its_translation(pair, languages):
    """Source side too: Ġhouse must have a vector for Ġtalo to find it."""
    style, src, tgt, en_kv, fi_kv = pair
    en, fi, _, _ = languages
    plan = plan_transfer(src, tgt, en_kv, fi_kv, k=1, check_alignment=False, copy_shared=False)
    src_vecs, _ = token_vectors(src, en_kv)
    src_whole, tgt_whole = _whole_word_tokens(src, en), _whole_word_tokens(tgt, fi)
    exact = checked = 0
    for e, f in zip(en, fi):
        if e in src_whole and f in tgt_whole:
            tid, sid = tgt_whole[f], src_whole[e]
            assert plan.route[tid] == ROUTES.index("wechsel"), f
            neighbour = int(plan.neighbours[tid, 0])
            # Translations share a vector up to 0.01 noise (16 dims, |x| ~ 4): cosine > 0.99. The
            # neighbour is Ġhouse itself, or a token with exactly its vector (a piece found only in
            # 'house', e.g. 'use' of the bare 'ho' 'use'): a tie.
            assert plan.similarities[tid, 0] > 0.99, (f, src.convert_ids_to_tokens(neighbour))
            assert src_vecs[neighbour] @ src_vecs[sid] > 1 - 1e-5, (f, src.convert_ids_to_tokens(neighbour))
            exact += neighbour == sid
            checked += 1
    assert checked > 20 and exact > 0.8 * checked, (exact, checked)


def test_lexicon_route_uses_word_initial_tokens(pair, languages):
    style, src, tgt, en_kv, fi_kv = pair
    en, fi, _, _ = languages
    src_whole, tgt_whole = _whole_word_tokens(src, en), _whole_word_tokens(tgt, fi)
    lexicon = [(e, f) for e, f in zip(en, fi) if e in src_whole and f in tgt_whole][:10]
    assert len(lexicon) == 10
    plan = plan_transfer(src, tgt, en_kv, fi_kv, lexicon=lexicon, check_alignment=False, copy_shared=False)
    for e, f in lexicon:
        tid = tgt_whole[f]
        assert plan.route[tid] == ROUTES.index("lexicon")
        assert plan.neighbours[tid, 0] == src_whole[e] and plan.weights[tid, 0] == 1.0


@pytest.fixture(scope="module", params=["bytelevel", "never", "always"])
def extended(request, languages, tmp_path_factory):
    """An English-like BPE tokenizer extended with 40 tokens for Finnish-like words (a text file)."""
    from offramp.bootstrap.llm.tokenization import extend_tokenizer

    en, fi, _, _ = languages
    src = bpe_tokenizer(running_text(en, 3), request.param)
    corpus = tmp_path_factory.mktemp("corpus") / f"fi.{request.param}.txt"
    corpus.write_text("\n".join(running_text(fi, 4)) + "\n", encoding="utf-8")
    tok, added = extend_tokenizer(corpus, like=src, extend=40)
    return request.param, src, tok, added


def test_bpe_extension_keeps_source_ids_and_the_budget(extended):
    style, src, tok, added = extended
    assert added and len(src) < len(tok) <= len(src) + 40
    assert {t: i for t, i in tok.get_vocab().items() if t in src.get_vocab()} == src.get_vocab()


def test_bpe_extension_makes_each_merged_word_one_token_in_running_text(extended):
    """Words reached by appended merges are one token after a space (the added-token route would
    give two: the word-start marker and the word), and text decodes back exactly."""
    style, src, tok, added = extended
    merged = [w for w in added if w not in tok.get_added_vocab()]
    assert len(merged) >= 10
    for word in merged:
        ids = tok("ta " + word, add_special_tokens=False)["input_ids"]
        before = tok("ta", add_special_tokens=False)["input_ids"]
        assert len(ids) == len(before) + 1, (word, tok.convert_ids_to_tokens(ids))
    text = " ".join(merged[:20])
    assert tok.decode(tok(text, add_special_tokens=False)["input_ids"]).strip() == text


def test_bpe_extension_saves_tokens_and_reloads(extended, tmp_path):
    from transformers import AutoTokenizer

    from offramp.bootstrap.llm.hf import save_tokenizer

    style, src, tok, added = extended
    text = " ".join(added * 3)
    assert len(tok(text)["input_ids"]) < len(src(text)["input_ids"])
    save_tokenizer(tok, tmp_path / "tok")
    again = AutoTokenizer.from_pretrained(tmp_path / "tok")
    assert len(again) == len(tok) and again(text)["input_ids"] == tok(text)["input_ids"]


def test_transfer_gives_vectors_to_merged_words(extended, languages):
    """The new whole-word tokens of an extended BPE are found in the target vectors (copy or
    wechsel), not left to the fallback."""
    style, src, tok, added = extended
    _, _, en_kv, fi_kv = languages
    plan = plan_transfer(src, tok, en_kv, fi_kv, check_alignment=False)
    vocab = tok.get_vocab()
    prefix = {"bytelevel": "Ġ", "never": "▁", "always": "▁"}[style]
    ids = [vocab[prefix + w] for w in added if prefix + w in vocab]
    assert ids and all(plan.route[i] != ROUTES.index("fallback") for i in ids)


def test_bytelevel_extension_decodes_non_ascii_words(languages, tmp_path):
    """Whole-word added tokens come out of a byte-level decoder garbled when they hold non-ASCII
    letters (``pitää`` -> ``pit\\ufffd\\ufffd``); words reached by merges decode back exactly."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from offramp.bootstrap.llm.tokenization import extend_tokenizer

    en, _, _, _ = languages
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    tok.train_from_iterator(running_text(en, 3), trainers.BpeTrainer(
        vocab_size=400, special_tokens=["<|endoftext|>"], initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    src = PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>")
    corpus = tmp_path / "fi.txt"
    corpus.write_text("moni pitää lainaa löytötavarana\n" * 10, encoding="utf-8")
    text = "moni pitää lainaa löytötavarana"
    results = {}
    for route in ("added", "auto"):
        new, added = extend_tokenizer(corpus, like=src, extend=40, route=route)
        assert "pitää" in added
        results[route] = new.decode(new(text)["input_ids"])
    assert results["auto"] == text
    assert results["added"] != text  # the route offramp no longer takes for BPE


def test_extension_of_a_normaliser_marked_bpe_with_byte_fallback(languages, tmp_path):
    """As transformers converts Llama 2's SentencePiece BPE: the normaliser turns spaces into ``▁``,
    no pre-tokeniser, unknown characters fall back to bytes. Whole-word added tokens never match
    there; merges do, and a letter the source lacks (``v``) becomes a token so its words can join."""
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    from offramp.bootstrap.llm.tokenization import extend_tokenizer

    en, fi, _, _ = languages
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="never")  # training only
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                     decoders.Strip(" ", 1, 0)])
    bytes_ = [f"<0x{i:02X}>" for i in range(256)]
    tok.train_from_iterator(running_text(en, 3), trainers.BpeTrainer(vocab_size=400, special_tokens=["<unk>", *bytes_]))
    tok.pre_tokenizer = None
    src = PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>")
    corpus = tmp_path / "fi.txt"
    corpus.write_text("\n".join(running_text(fi, 4)) + "\n", encoding="utf-8")
    text = " ".join(running_text(fi, 9)[:50])
    counts = {}
    for route in ("added", "auto"):
        new, added = extend_tokenizer(corpus, like=src, extend=60, route=route)
        ids = new(text, add_special_tokens=False)["input_ids"]
        counts[route] = len(ids)
        assert new.decode(ids) == text
    assert counts["added"] == len(src(text, add_special_tokens=False)["input_ids"])
    assert counts["auto"] < 0.8 * counts["added"]
    v_words = [w for w in added if "v" in w]
    assert "v" not in src.get_vocab() and v_words
    before = len(new("ta", add_special_tokens=False)["input_ids"])
    assert len(new("ta " + v_words[0].lstrip("▁"), add_special_tokens=False)["input_ids"]) == before + 1


def in_model_tokenizer(lines, style, vocab_size=150, byte_fallback=False):
    """A trained Unigram or WordPiece ``PreTrainedTokenizerFast``.

    ``style`` is ``'unigram'`` (XLM-R, mT5: a Metaspace pre-tokeniser marks word starts with ``▁``),
    ``'unigram-normaliser'`` (the normaliser marks spaces, ``Prepend('▁')`` + ``Replace(' ', '▁')``, no
    pre-tokeniser) or ``'wordpiece'`` (BERT: BertNormalizer lowercasing, BertPreTokenizer, ``##``). In
    both Unigram styles ``<mask>`` is the last model piece and an added token on that same id, as in
    XLM-R; ``byte_fallback`` adds the byte tokens ``<0x00>``...``<0xFF>`` as in Llama 2.
    """
    import json

    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    if style == "wordpiece":
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
        tok.normalizer = normalizers.BertNormalizer(lowercase=True)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.decoder = decoders.WordPiece()
        specials = {"pad_token": "[PAD]", "unk_token": "[UNK]", "cls_token": "[CLS]", "sep_token": "[SEP]",
                    "mask_token": "[MASK]"}
        tok.train_from_iterator(lines, trainers.WordPieceTrainer(vocab_size=vocab_size,
                                                                 special_tokens=list(specials.values())))
        return PreTrainedTokenizerFast(tokenizer_object=tok, **specials)
    tok = Tokenizer(models.Unigram())
    if style == "unigram":
        tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="always")
        tok.decoder = decoders.Metaspace(prepend_scheme="always")
    else:
        tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
        tok.pre_tokenizer = pre_tokenizers.Metaspace(prepend_scheme="never")  # training only
        tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                         decoders.Strip(" ", 1, 0)])
    bytes_ = [f"<0x{i:02X}>" for i in range(256)] if byte_fallback else []
    tok.train_from_iterator(lines, trainers.UnigramTrainer(vocab_size=vocab_size + len(bytes_), unk_token="<unk>",
                                                           special_tokens=["<s>", "<pad>", "</s>", "<unk>", *bytes_]))
    state = json.loads(tok.to_str())
    state["model"]["vocab"].append(["<mask>", 0.0])
    state["model"]["byte_fallback"] = byte_fallback
    if style != "unigram":
        state["pre_tokenizer"] = None
    tok = Tokenizer.from_str(json.dumps(state))
    return PreTrainedTokenizerFast(tokenizer_object=tok, bos_token="<s>", pad_token="<pad>", eos_token="</s>",
                                   unk_token="<unk>", mask_token="<mask>")


#: The 26 letters alone and inside words, so that the sources know every letter of the Finnish-like
#: words at a word start and within a word (WordPiece's ``##v``).
LETTER_LINE = " ".join([*"abcdefghijklmnopqrstuvwxyz", "abcdefghijklmnopqrstuvwxyz", "zyxwvutsrqponmlkjihgfedcba"])


@pytest.fixture(scope="module", params=["unigram", "unigram-normaliser", "wordpiece"])
def in_model(request, languages, tmp_path_factory):
    """An English-like Unigram or WordPiece tokenizer extended with 40 Finnish-like words, both routes."""
    from offramp.bootstrap.llm.tokenization import extend_tokenizer

    en, fi, _, _ = languages
    src = in_model_tokenizer([LETTER_LINE, *running_text(en, 3)], request.param)
    corpus = tmp_path_factory.mktemp("corpus") / f"fi.{request.param}.txt"
    corpus.write_text("\n".join(running_text(fi, 4)) + "\n", encoding="utf-8")
    tok, added = extend_tokenizer(corpus, like=src, extend=40)
    by_added, _ = extend_tokenizer(corpus, like=src, extend=40, route="added")
    return request.param, src, tok, added, by_added


def test_in_model_extension_keeps_source_ids_and_the_budget(in_model):
    """One new model token per word, after the source's ids; XLM-R's layout (``<mask>`` the last
    model id and an added token) is no obstacle."""
    style, src, tok, added, _ = in_model
    assert len(added) == 40 and len(tok) == len(src) + 40
    assert {t: i for t, i in tok.get_vocab().items() if t in src.get_vocab()} == src.get_vocab()
    assert tok.get_added_vocab() == src.get_added_vocab()  # no word needed the added-token route
    assert tok.backend_tokenizer.get_vocab_size(with_added_tokens=False) == len(src) + 40
    if style.startswith("unigram"):
        assert src.mask_token_id == len(src) - 1 and tok.mask_token_id == len(src) - 1


def test_in_model_extension_makes_each_word_one_token_after_a_space(in_model, languages):
    """A word costs one token after a space (a whole-word added token costs two, ``▁`` and the word,
    with a Metaspace pre-tokeniser, and never matches where the normaliser marks the spaces), and
    held-out text decodes back exactly."""
    style, src, tok, added, by_added = in_model
    _, fi, _, _ = languages
    words = [w.lstrip("▁") for w in added]  # the forms that name the words hold the normaliser's '▁'
    before = len(tok("ta", add_special_tokens=False)["input_ids"])
    for word in words:
        ids = tok("ta " + word, add_special_tokens=False)["input_ids"]
        assert len(ids) == before + 1 and ids[-1] >= len(src), (word, tok.convert_ids_to_tokens(ids))
    # the added-token route: '▁' and the word; no match at all (the source's pieces); one token
    expected = {"unigram": before + 2, "unigram-normaliser": len(src("ta " + words[0], add_special_tokens=False)
                                                                 ["input_ids"]), "wordpiece": before + 1}
    assert len(by_added("ta " + words[0], add_special_tokens=False)["input_ids"]) == expected[style]
    text = " ".join(running_text(fi, 9)[:50])
    assert tok.decode(tok(text, add_special_tokens=False)["input_ids"]) == text


def test_in_model_extension_beats_added_tokens(in_model, languages):
    """Tokens on held-out text: source > added tokens > in the model (added tokens change nothing
    where the normaliser marks the spaces). Measured: unigram 2228 / 1340 / 992, unigram-normaliser
    2228 / 2228 / 966, wordpiece 1947 / 970 / 910 (there the gain is the new words as stems of longer ones)."""
    style, src, tok, added, by_added = in_model
    _, fi, _, _ = languages
    text = " ".join(running_text(fi, 9)[:50])
    n_src, n_added, n_model = (len(t(text, add_special_tokens=False)["input_ids"]) for t in (src, by_added, tok))
    assert n_model < n_added <= n_src
    assert (n_added == n_src) == (style == "unigram-normaliser")


def test_in_model_extension_saves_and_reloads(in_model, languages, tmp_path):
    from offramp.bootstrap.llm.hf import load_tokenizer, save_tokenizer

    style, src, tok, added, _ = in_model
    _, fi, _, _ = languages
    text = " ".join(running_text(fi, 9)[:50])
    save_tokenizer(tok, tmp_path / "tok")
    again = load_tokenizer(tmp_path / "tok")
    assert len(again) == len(tok) and again.get_vocab() == tok.get_vocab()
    assert again(text)["input_ids"] == tok(text)["input_ids"]


def test_transfer_gives_vectors_to_in_model_words(in_model, languages):
    """The new tokens (``▁talossa``, ``talossa``) are words of the target vectors: copy or wechsel,
    never the fallback."""
    style, src, tok, added, _ = in_model
    _, _, en_kv, fi_kv = languages
    plan = plan_transfer(src, tok, en_kv, fi_kv, check_alignment=False)
    assert all(plan.route[i] != ROUTES.index("fallback") for i in range(len(src), len(tok)))


@pytest.mark.parametrize("style", ["bytelevel", "unigram", "wordpiece"])
def test_added_tokens_past_the_model_vocabulary_keep_their_ids(style, languages, tmp_path):
    """An added token that is not a model entry (Llama 3's reserved tokens) is numbered after the
    model's vocabulary by ``tokenizers``: it is written into the model at its id first, so the new
    words still enter the model, after it, and every source id, the extra token's included, stays."""
    from transformers import AddedToken

    from offramp.bootstrap.llm.hf import load_tokenizer, save_tokenizer
    from offramp.bootstrap.llm.tokenization import extend_tokenizer

    en, fi, _, _ = languages
    lines = [LETTER_LINE, *running_text(en, 3)]
    src = bpe_tokenizer(lines, style) if style == "bytelevel" else in_model_tokenizer(lines, style)
    src.add_tokens([AddedToken("<extra>", special=True)], special_tokens=True)
    extra = src.convert_tokens_to_ids("<extra>")
    assert extra == len(src) - 1
    corpus = tmp_path / "fi.txt"
    corpus.write_text("\n".join(running_text(fi, 4)) + "\n", encoding="utf-8")
    tok, added = extend_tokenizer(corpus, like=src, extend=10)
    assert added and len(src) < len(tok) <= len(src) + 10
    assert {t: i for t, i in tok.get_vocab().items() if t in src.get_vocab()} == src.get_vocab()
    assert not set(added) & set(tok.get_added_vocab())  # in the model, not added tokens
    for word in added:
        ids = tok("ta " + word.lstrip("\u2581"), add_special_tokens=False)["input_ids"]
        assert ids[-1] > extra
    ids = tok("<extra> ta", add_special_tokens=False)["input_ids"]
    assert ids[0] == extra
    save_tokenizer(tok, tmp_path / "tok")
    assert load_tokenizer(tmp_path / "tok").convert_tokens_to_ids("<extra>") == extra


@pytest.mark.parametrize("byte_fallback", [False, True])
def test_unigram_extension_reaches_words_with_unknown_letters(languages, tmp_path, byte_fallback):
    """The source lacks ``v`` and ``p`` (``<unk>``, or byte tokens with byte fallback): the words
    holding them become one piece each all the same, scored above their unknown-token segmentation."""
    from offramp.bootstrap.llm.tokenization import extend_tokenizer

    en, fi, _, _ = languages
    src = in_model_tokenizer(running_text(en, 3), "unigram", byte_fallback=byte_fallback)
    assert not {"v", "p", "▁v", "▁p"} & set(src.get_vocab())
    corpus = tmp_path / "fi.txt"
    corpus.write_text("\n".join(running_text(fi, 4)) + "\n", encoding="utf-8")
    tok, added = extend_tokenizer(corpus, like=src, extend=40)
    unknown = [w for w in added if {"v", "p"} & set(w)]
    assert unknown and tok.get_added_vocab() == src.get_added_vocab()
    for word in unknown:
        ids = tok(word, add_special_tokens=False)["input_ids"]
        assert len(ids) == 1 and tok.decode(ids) == word


def test_unigram_segmentation_score_is_the_viterbi_score(languages):
    """The reference of the score rule: for words without unknown letters, the best segmentation
    score computed for a new piece's floor equals the score of the pieces ``tokenizers`` picks."""
    import json

    from offramp.bootstrap.llm._extend import _best_segmentation_score

    en, fi, _, _ = languages
    src = in_model_tokenizer([LETTER_LINE, *running_text(en, 3)], "unigram")
    scores = dict(map(tuple, json.loads(src.backend_tokenizer.to_str())["model"]["vocab"]))
    max_len, lowest = max(map(len, scores)), min(scores.values())
    for word in fi[:100]:
        pieces = src.tokenize(word)
        # the same float64 scores summed in another order: sums of magnitude < 100 differ by
        # rounding only (< 1e-13); a different segmentation would differ by far more than 1e-9
        assert _best_segmentation_score("▁" + word, scores, max_len, lowest - 10) == pytest.approx(
            sum(scores[p] for p in pieces), abs=1e-9), (word, pieces)
