"""Continued pretraining of a transferred model on target-language text: what its initialisation is for.

:func:`language_model` builds the model with a head for the objective (masked LM for encoders such as
all-MiniLM-L6-v2, causal LM for decoders) around a given input-embedding matrix; :func:`continue_pretraining`
trains it with the Hugging Face ``Trainer`` and records the held-out loss at fixed step intervals;
:func:`steps_to_match` reads off how many steps one initialisation needs to reach another's loss. Needs the
``llm`` extra (torch, transformers, accelerate).
"""
import os
import tempfile
import time

import numpy as np

__all__ = ["OBJECTIVES", "language_model", "text_blocks", "continue_pretraining", "steps_to_match"]

OBJECTIVES = ("mlm", "clm")


def language_model(model_dir, rows, *, objective="mlm", output_rows=None, random_state=0):
    """The model in ``model_dir`` with a language-modelling head, its input embeddings replaced by ``rows``.

    Parameters
    ----------
    model_dir : str or path-like
        A Hugging Face model folder: the source model (its input rows are replaced) or an exported one.
    rows : array, shape (n_tokens, hidden)
        The new vocabulary's input embeddings (one initialisation).
    objective : {'mlm', 'clm'}
        ``'mlm'`` loads ``AutoModelForMaskedLM``: a checkpoint without the head (all-MiniLM-L6-v2 keeps only
        the encoder) gets a fresh one drawn from ``random_state``, so every initialisation starts from the
        same head; its decoder is tied to the input embeddings. ``'clm'`` loads ``AutoModelForCausalLM``.
    output_rows : array, shape (n_tokens, hidden), optional
        The output embeddings of a causal LM whose input and output embeddings are untied; None copies
        ``rows`` there. Ignored where the two are tied.
    random_state : int
        Seeds the fresh weights (head, resized rows before they are overwritten).

    Returns
    -------
    model : transformers.PreTrainedModel
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}; got {objective!r}")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch
    import transformers
    from transformers import AutoModelForCausalLM, AutoModelForMaskedLM

    rows = np.asarray(rows, dtype=np.float32)
    cls = AutoModelForMaskedLM if objective == "mlm" else AutoModelForCausalLM
    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()  # "newly initialized: cls.predictions..." is the point here
    try:
        torch.manual_seed(random_state)
        model = cls.from_pretrained(os.fspath(model_dir))
    except ValueError as exc:
        raise ValueError(f"{model_dir}: no {objective.upper()} head for this architecture ({exc}); "
                         f"use --objective {'clm' if objective == 'mlm' else 'mlm'}") from None
    finally:
        transformers.logging.set_verbosity(verbosity)
    hidden = model.get_input_embeddings().weight.shape[1]
    if rows.ndim != 2 or rows.shape[1] != hidden:
        raise ValueError(f"rows must have shape (n_tokens, {hidden}) for {model_dir}; got {rows.shape}")
    model.resize_token_embeddings(len(rows), mean_resizing=False)
    inputs, outputs = model.get_input_embeddings(), model.get_output_embeddings()
    with torch.no_grad():
        inputs.weight.copy_(torch.from_numpy(rows))
        if outputs is not None and outputs.weight.data_ptr() != inputs.weight.data_ptr():
            out = rows if output_rows is None else np.asarray(output_rows, dtype=np.float32)
            if out.shape != rows.shape:
                raise ValueError(f"output_rows must have the shape of rows {rows.shape}; got {out.shape}")
            outputs.weight.copy_(torch.from_numpy(out))
    return model


def text_blocks(tokenizer, texts, *, block_size=128):
    """Token ids of ``texts`` (each with the tokenizer's special tokens) run together and cut into blocks.

    Returns
    -------
    blocks : ndarray, int64, shape (n_blocks, block_size)
        The tail shorter than one block is dropped.
    """
    ids = []
    texts = list(texts)
    for start in range(0, len(texts), 10000):
        for seq in tokenizer(texts[start:start + 10000], add_special_tokens=True)["input_ids"]:
            ids.extend(seq)
    n = len(ids) // block_size
    if not n:
        raise ValueError(f"the texts give {len(ids)} tokens, fewer than one block of {block_size}")
    return np.asarray(ids[:n * block_size], dtype=np.int64).reshape(n, block_size)


def _collator(tokenizer, objective, mlm_probability):
    from transformers import DataCollatorForLanguageModeling

    if tokenizer.pad_token is None:  # decoders often have none; padding is masked out of the loss anyway
        tokenizer.pad_token = tokenizer.eos_token
    if objective == "mlm" and tokenizer.mask_token is None:
        raise ValueError("the tokenizer has no mask token; masked-LM training needs one (use objective='clm')")
    return DataCollatorForLanguageModeling(tokenizer, mlm=objective == "mlm", mlm_probability=mlm_probability)


def _eval_batches(tokenizer, texts, collator, *, batch_size, max_length, random_state):
    """The held-out texts as fixed batches: the masks are drawn once, so every checkpoint and every
    initialisation is scored on the same positions."""
    import torch

    batches = []
    with torch.random.fork_rng():
        torch.manual_seed(random_state)
        for start in range(0, len(texts), batch_size):
            enc = tokenizer(list(texts[start:start + batch_size]), truncation=True, max_length=max_length)
            batches.append(collator([{"input_ids": ids} for ids in enc["input_ids"]]))
    return batches


def _scored(batch, objective):
    """How many tokens of ``batch`` the loss averages over (a causal LM predicts each label from the one before)."""
    labels = batch["labels"][:, 1:] if objective == "clm" else batch["labels"]
    return int(labels.ne(-100).sum())


def _held_out_loss(model, batches, objective):
    """Mean cross-entropy over every scored token of ``batches`` (not a mean of batch means)."""
    import torch

    total, count = 0.0, 0
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for batch in batches:
            batch = {k: v.to(model.device) for k, v in batch.items()}
            n = _scored(batch, objective)
            if n:
                total += float(model(**batch).loss) * n
                count += n
    model.train(was_training)
    if not count:
        raise ValueError("the held-out texts give no scored token")
    return total / count


class _Blocks:
    """A torch-style dataset of token blocks."""

    def __init__(self, blocks):
        self.blocks = blocks

    def __len__(self):
        return len(self.blocks)

    def __getitem__(self, i):
        return {"input_ids": self.blocks[i].tolist()}


def continue_pretraining(model, tokenizer, train_texts, eval_texts, *, objective="mlm", steps=300, eval_every=25,
                         batch_size=16, block_size=128, learning_rate=3e-4, warmup_ratio=0.06, weight_decay=0.01,
                         mlm_probability=0.15, device="cpu", random_state=0, progress=True):
    """Train ``model`` on ``train_texts`` for ``steps`` optimiser steps; held-out loss every ``eval_every`` steps.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        From :func:`language_model`; trained in place.
    tokenizer : transformers tokenizer
        The model's (new) tokenizer.
    train_texts, eval_texts : sequence of str
        Target-language text; ``eval_texts`` (held out of ``train_texts``) are scored one text per sequence
        with masks drawn once from ``random_state``.
    objective : {'mlm', 'clm'}
    steps, eval_every : int
        The budget and the checkpoint interval.
    batch_size, block_size : int
        Training sequences per step and tokens per sequence (``train_texts`` run together and cut).
    learning_rate, warmup_ratio, weight_decay : float
        AdamW with linear warm-up and decay.
    mlm_probability : float
        Share of tokens masked (BERT's 80/10/10 replacement).
    device : {'cpu', 'cuda'}
    random_state : int
        Seeds the data order and the training masks (the Trainer's ``seed`` and ``data_seed``).
    progress : bool

    Returns
    -------
    record : dict
        ``steps`` (the checkpoints), ``loss`` (held-out loss at each), ``loss_start`` (before training),
        ``train_blocks``, ``eval_tokens`` and ``wall_s``.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}; got {objective!r}")
    if steps < 1 or eval_every < 1:
        raise ValueError(f"steps and eval_every must be positive; got {steps} and {eval_every}")
    from transformers import PrinterCallback, Trainer, TrainerCallback, TrainingArguments

    collator = _collator(tokenizer, objective, mlm_probability)
    blocks = text_blocks(tokenizer, train_texts, block_size=block_size)
    held_out = _eval_batches(tokenizer, list(eval_texts), collator, batch_size=64, max_length=block_size,
                             random_state=random_state)
    if device != "cpu":
        model.to(device)
    record = {"steps": [], "loss": [], "loss_start": _held_out_loss(model, held_out, objective),
              "train_blocks": len(blocks), "eval_tokens": sum(_scored(b, objective) for b in held_out)}

    class Checkpoints(TrainerCallback):
        def on_step_end(self, args, state, control, model=None, **kwargs):
            if state.global_step % eval_every == 0 or state.global_step == steps:
                record["steps"].append(int(state.global_step))
                record["loss"].append(_held_out_loss(model, held_out, objective))

    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="offramp-continued-") as out:
        args = TrainingArguments(output_dir=out, max_steps=steps, per_device_train_batch_size=batch_size,
                                 learning_rate=learning_rate, warmup_steps=int(round(warmup_ratio * steps)),
                                 weight_decay=weight_decay, lr_scheduler_type="linear", logging_strategy="no",
                                 save_strategy="no", eval_strategy="no", report_to=[], seed=random_state,
                                 data_seed=random_state, use_cpu=device == "cpu", dataloader_num_workers=0,
                                 disable_tqdm=not progress)
        trainer = Trainer(model=model, args=args, train_dataset=_Blocks(blocks), data_collator=collator,
                          callbacks=[Checkpoints()])
        if not progress:  # the closing metrics line too: the record holds what matters
            trainer.remove_callback(PrinterCallback)
        trainer.train()
    record["wall_s"] = round(time.time() - t0, 1)
    return record


def steps_to_match(target_loss, other_steps, other_loss, *, other_start=None):
    """The steps a second run needs to reach each of ``target_loss`` (linear between its checkpoints).

    Parameters
    ----------
    target_loss : sequence of float
        The losses to reach.
    other_steps, other_loss : sequences
        The other run's checkpoints and held-out losses.
    other_start : float, optional
        The other run's loss at step 0 (before training).

    Returns
    -------
    needed : list of float or None
        Per target loss, the first (interpolated) step where the other run is at or below it; None where it
        never gets there within its checkpoints.
    """
    if len(other_steps) != len(other_loss):
        raise ValueError(f"the other run needs one loss per checkpoint; got {len(other_steps)} steps and "
                         f"{len(other_loss)} losses")
    xs, ys = list(other_steps), list(other_loss)
    if other_start is not None:
        xs, ys = [0, *xs], [other_start, *ys]
    needed = []
    for goal in target_loss:
        hit = None
        for j, (x, y) in enumerate(zip(xs, ys)):
            if y <= goal:
                if j == 0:
                    hit = float(x)
                else:
                    x0, y0 = xs[j - 1], ys[j - 1]
                    hit = float(x0 + (x - x0) * (y0 - goal) / (y0 - y)) if y0 != y else float(x)
                break
        needed.append(hit)
    return needed
