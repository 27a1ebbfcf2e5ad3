"""Cross-lingual verse retrieval: how well a (transferred) sentence encoder finds a verse's translation.

The measure of the transfer benchmark and of ``offramp experiment data-size --measure transfer``: target
verses held out of every training corpus are embedded with the transferred model, the same verses in the
source language with the original model (mean pooling, unit length, as sentence-transformers does), and P@1
counts the target verses whose nearest source verse is their translation.
"""
import numpy as np

__all__ = ["read_verses", "pick_bibles", "held_out_verses", "encode_texts", "retrieval_p_at_1", "model_with_rows",
           "model_with_plan"]


def read_verses(path):
    """``{verse id: text}`` of a verse-aligned file (``ID<TAB>text`` lines; blank texts skipped)."""
    verses = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            vid, _, text = line.rstrip("\n").partition("\t")
            if vid and text.strip():
                verses[vid] = text.strip()
    return verses


def pick_bibles(data, src, tgt, *, min_share=0.9):
    """The Bibles of a verse retrieval under ``data/corpora/bible``: the source's (``SRC.KJV.tsv`` where present,
    else its largest ``SRC.*.tsv``) and the first target Bible by name that holds ``min_share`` of its verse ids.

    Returns ``(src_path, tgt_path, src_verses, tgt_verses)``; ValueError naming the folder and the fix.
    """
    from pathlib import Path

    folder = Path(data) / "corpora" / "bible"
    sources = sorted(folder.glob(f"{src}.*.tsv"), key=lambda p: (p.name != f"{src}.KJV.tsv", -p.stat().st_size))
    targets = sorted(folder.glob(f"{tgt}.*.tsv"))
    if not sources or not targets:
        raise ValueError(f"{folder} holds no {src if not sources else tgt}.*.tsv Bible; fetch one with "
                         "`offramp data fetch bible:...`")
    src_verses = read_verses(sources[0])
    for path in targets:
        verses = read_verses(path)
        if len(set(verses) & set(src_verses)) >= min_share * len(src_verses):
            return sources[0], path, src_verses, verses
    raise ValueError(f"no {tgt} Bible among {[p.name for p in targets]} holds {min_share:.0%} of the verses of "
                     f"{sources[0].name}; verse retrieval needs a full Bible")


def held_out_verses(src_verses, tgt_verses, n, *, random_state=0):
    """``n`` verse ids found in both (fewer if they share fewer), drawn with ``random_state``, in id order."""
    common = sorted(set(src_verses) & set(tgt_verses))
    if not common:
        raise ValueError("the two verse files share no verse id; give Bibles of the same versification")
    rng = np.random.default_rng(random_state)
    picked = rng.choice(len(common), size=min(n, len(common)), replace=False)
    return [common[i] for i in sorted(picked)]


def encode_texts(model, tokenizer, texts, *, batch_size=64, max_length=256):
    """Mean-pooled, unit-length sentence embeddings, shape ``(len(texts), hidden)``, float32."""
    import torch

    out = []
    model.eval()
    with torch.no_grad():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(list(texts[start:start + batch_size]), padding=True, truncation=True,
                              max_length=max_length, return_tensors="pt")
            hidden = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).float()
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, dim=1).numpy().astype(np.float32))
    return np.concatenate(out) if out else np.zeros((0, model.config.hidden_size), dtype=np.float32)


def retrieval_p_at_1(queries, documents):
    """Percent of rows of ``queries`` (n, d) whose most similar row of ``documents`` (n, d) is the same row."""
    queries, documents = np.asarray(queries), np.asarray(documents)
    if queries.shape != documents.shape or not len(queries):
        raise ValueError(f"queries and documents must be aligned row for row; got {queries.shape} and "
                         f"{documents.shape}")
    return float(100.0 * np.mean(np.argmax(queries @ documents.T, axis=1) == np.arange(len(queries))))


def _set_rows(model, rows):
    """Resize ``model``'s input embeddings to ``len(rows)`` and copy ``rows`` (n_tokens, hidden) into them."""
    import torch

    model.resize_token_embeddings(len(rows), mean_resizing=False)
    with torch.no_grad():
        model.get_input_embeddings().weight.copy_(torch.from_numpy(np.asarray(rows, dtype=np.float32)))
    return model


def model_with_rows(model_dir, rows):
    """A fresh copy of the model in ``model_dir`` with ``rows`` (n_tokens, hidden) as its input embeddings."""
    from transformers import AutoModel

    return _set_rows(AutoModel.from_pretrained(model_dir), rows)


def model_with_plan(model_dir, plan, n_tokens, *, random_state=0):
    """A fresh copy of the model in ``model_dir`` whose input embeddings are ``plan.apply`` of its own
    (:class:`bootstrap.llm.transfer.TransferPlan`), resized to ``n_tokens`` rows."""
    from transformers import AutoModel

    model = AutoModel.from_pretrained(model_dir)
    rows = plan.apply(model.get_input_embeddings().weight.detach().numpy(), random_state=random_state)
    if len(rows) != n_tokens:
        raise ValueError(f"the plan has {len(rows)} rows for a tokenizer of {n_tokens} tokens")
    return _set_rows(model, rows)
