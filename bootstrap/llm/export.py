"""Write a transferred model directory, and the bare embedding matrix for users' own training code.

The model directory holds what ``transformers.AutoModel.from_pretrained(dir)`` (or
``AutoModelForCausalLM`` for a decoder, with its ``generation_config.json``) and
``AutoTokenizer.from_pretrained(dir)`` need offline (``config.json``, ``model.safetensors``, the
tokenizer files), the other files of the source directory unchanged (e.g. sentence-transformers'
``modules.json`` and ``1_Pooling/``), the new input embeddings alone as ``embeddings.safetensors``
(tensor ``"weight"``, shape (n_tokens, hidden)), and ``offramp_transfer.json`` (routes, options).

Load the bare matrix into any ``torch.nn.Embedding`` with :func:`load_embedding_matrix`.
"""
import json
import os
import shutil

import numpy as np

from ..io.atomic import atomic_dir, atomic_path

EMBEDDINGS_FILE = "embeddings.safetensors"
REPORT_FILE = "offramp_transfer.json"
# Files the export writes itself; everything else in the source directory is copied unchanged.
_REPLACED = {"config.json", "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
             "pytorch_model.bin.index.json", "tf_model.h5", "flax_model.msgpack", "rust_model.ot", "onnx",
             "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt", "vocab.json",
             "merges.txt", "added_tokens.json", "spiece.model", "sentencepiece.bpe.model", "tokenizer.model",
             "generation_config.json", EMBEDDINGS_FILE, REPORT_FILE, "README.md"}
#: The source model's card keeps its licence and citation under this name; README.md describes the
#: new model.
SOURCE_CARD = "SOURCE_README.md"


def load_source_model(model_dir):
    """Load a Hugging Face model from a local directory, with its own architecture when known.

    The class named first in ``config.architectures`` is used (so a masked-LM or causal-LM head is
    kept), else ``AutoModel``.

    Raises
    ------
    FileNotFoundError
        When ``model_dir`` has no ``config.json``.
    ValueError
        When the weights cannot be loaded.
    """
    model_dir = os.fspath(model_dir)
    if not os.path.exists(os.path.join(model_dir, "config.json")):
        raise FileNotFoundError(f"{model_dir}: no config.json; point to a Hugging Face model directory "
                                "(the one you would pass to AutoModel.from_pretrained)")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import transformers
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(model_dir)
    cls = AutoModel
    for name in getattr(config, "architectures", None) or []:
        if hasattr(transformers, name):
            cls = getattr(transformers, name)
            break
    try:
        return cls.from_pretrained(model_dir)
    except (OSError, ValueError) as exc:
        raise ValueError(f"{model_dir}: could not load the model weights ({exc})") from None


def save_embedding_matrix(embeddings, path, *, metadata=None):
    """Write an embedding matrix as safetensors (tensor ``"weight"``), atomically.

    Parameters
    ----------
    embeddings : ndarray of shape (n_tokens, hidden)
    path : str or path-like
    metadata : dict of str -> str, optional

    Returns
    -------
    path : str
    """
    from safetensors.numpy import save_file

    embeddings = np.ascontiguousarray(embeddings)
    if embeddings.ndim != 2:
        raise ValueError(f"embeddings must be a matrix (n_tokens, hidden); got shape {embeddings.shape}")
    meta = {"format": "offramp-embeddings", "shape": f"{embeddings.shape[0]}x{embeddings.shape[1]}"}
    meta.update({str(k): str(v) for k, v in (metadata or {}).items()})
    with atomic_path(path) as tmp:
        save_file({"weight": embeddings}, tmp, metadata=meta)
    return os.fspath(path)


def load_embedding_matrix(path, embedding=None, *, freeze=False):
    """Load an ``embeddings.safetensors`` matrix into a ``torch.nn.Embedding``.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_embedding_matrix` (or by ``offramp transfer``).
    embedding : torch.nn.Embedding, optional
        An existing layer of shape (n_tokens, hidden) to fill in place; a new one is made when omitted.
    freeze : bool, default False
        For a new layer: keep the weights fixed during training.

    Returns
    -------
    embedding : torch.nn.Embedding

    Examples
    --------
    >>> emb = load_embedding_matrix("fi-model/embeddings.safetensors")            # doctest: +SKIP
    >>> load_embedding_matrix("fi-model/embeddings.safetensors", my_model.tok_emb)  # doctest: +SKIP
    """
    import torch
    from safetensors.torch import load_file

    tensors = load_file(os.fspath(path))
    if "weight" not in tensors:
        raise ValueError(f"{path}: no tensor named 'weight' (found {', '.join(tensors)}); "
                         "write it with save_embedding_matrix or offramp transfer")
    weight = tensors["weight"]
    if embedding is None:
        return torch.nn.Embedding.from_pretrained(weight, freeze=freeze)
    if tuple(embedding.weight.shape) != tuple(weight.shape):
        raise ValueError(f"{path} holds a ({weight.shape[0]}, {weight.shape[1]}) matrix but the embedding layer is "
                         f"{tuple(embedding.weight.shape)}; "
                         f"build it as nn.Embedding({weight.shape[0]}, {weight.shape[1]})")
    with torch.no_grad():
        embedding.weight.copy_(weight.to(embedding.weight.dtype))
    return embedding


_ROLES = ("pad", "bos", "eos", "sep", "cls", "mask", "unk")
# Token ids of a generation config that name no role of the tokenizer.
_OTHER_IDS = ("decoder_start_token_id", "forced_bos_token_id", "forced_eos_token_id", "suppress_tokens",
              "begin_suppress_tokens")


def _source_to_target_ids(tokenizer, plan, src_tokenizer):
    """``{source id: target id}`` of the tokens both tokenizers hold: by string, or without
    ``src_tokenizer`` through the plan's ``special`` and ``copy`` rows (each one source row)."""
    if src_tokenizer is not None:
        vocab = tokenizer.get_vocab()
        return {i: vocab[t] for t, i in src_tokenizer.get_vocab().items() if t in vocab}
    kept = np.flatnonzero(plan.mask("special") | plan.mask("copy"))
    return {int(plan.neighbours[t, 0]): int(t) for t in kept[::-1]}  # a special row wins over a copy


def _set_special_ids(config, tokenizer, id_map):
    """Point the token ids of ``config`` (a model or generation config) at the new tokenizer, in place.

    A role the tokenizer has (``eos_token``) gives its id to every field of that role that the
    config has (``eos_token_id``); other ids follow ``id_map`` (source id -> target id), and ids
    of tokens the tokenizer lacks are dropped. A list keeps its order behind the role's id (Llama
    3's eos ids: end of text, end of turn); a field left without an id becomes ``None``.
    """
    roles = {f"{role}_token_id": getattr(tokenizer, f"{role}_token_id", None) for role in _ROLES}
    for attr in [*roles, *_OTHER_IDS]:
        if not hasattr(config, attr):
            continue
        value, role_id = getattr(config, attr), roles.get(attr)
        if value is None and role_id is None:
            continue
        single = value is None or isinstance(value, (int, np.integer))
        new = [] if role_id is None else [int(role_id)]
        for i in [value] if single else value:
            if i in id_map and id_map[i] not in new:
                new.append(id_map[i])
        if single:
            setattr(config, attr, new[0] if new else None)
        else:  # suppress_tokens may be empty; an eos list without ids is no eos
            setattr(config, attr, new if new or attr in _OTHER_IDS else None)


def export_model(model, tokenizer, out, *, plan, source_dir=None, fallback_noise=1.0, random_state=0,
                 report=None, overwrite=True, src_tokenizer=None):
    """Give ``model`` the embeddings of ``plan`` for ``tokenizer`` and write the model directory.

    Input embeddings are rebuilt with ``plan.apply``; untied output embeddings (a causal LM's
    ``lm_head``, and an output bias over the vocabulary) are rebuilt with the same plan from the
    source's own output rows, so every row keeps its meaning; tied ones stay tied. The token ids of
    the model config and the generation config (bos, eos, pad, ...) are set for ``tokenizer`` (see
    :func:`_set_special_ids`), so none points past the new vocabulary. Everything else in the model
    is unchanged.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        The source model (modified in place).
    tokenizer : PreTrainedTokenizerFast
        The target tokenizer, ``n_tgt = len(tokenizer)``.
    out : str or path-like
    plan : bootstrap.llm.transfer.TransferPlan
    source_dir : str or path-like, optional
        Files of this directory not written by the export are copied unchanged.
    fallback_noise : float
    random_state : int
    report : dict, optional
        Written as ``offramp_transfer.json``.
    overwrite : bool
    src_tokenizer : PreTrainedTokenizerFast, optional
        The source model's tokenizer: config ids outside the roles of ``tokenizer`` (Llama 3's
        end-of-turn id among the eos ids) are mapped to the target token of the same string.
        Without it, through the plan's ``special`` and ``copy`` rows.

    Returns
    -------
    embeddings : ndarray of shape (n_tgt, hidden), float32
        The new input embedding matrix.
    """
    import torch

    n_tgt = len(tokenizer)
    if len(plan.route) != n_tgt:
        raise ValueError(f"the plan has {len(plan.route)} rows but the tokenizer {n_tgt} tokens")
    inp = model.get_input_embeddings()
    source_in = inp.weight.detach().cpu().float().numpy()
    new_in = plan.apply(source_in, fallback_noise=fallback_noise, random_state=random_state)
    out_layer = model.get_output_embeddings()
    tied = out_layer is None or out_layer.weight is inp.weight or (
        out_layer.weight.data_ptr() == inp.weight.data_ptr())
    new_out = new_bias = None
    if out_layer is not None and not tied:
        new_out = plan.apply(out_layer.weight.detach().cpu().float().numpy(), fallback_noise=fallback_noise,
                             random_state=random_state + 1)
    bias = getattr(out_layer, "bias", None) if out_layer is not None else None
    if bias is not None and bias.ndim == 1 and bias.shape[0] == source_in.shape[0]:
        new_bias = plan.apply(bias.detach().cpu().float().numpy()[:, None], fallback_noise=0.0)[:, 0]
    model.resize_token_embeddings(n_tgt, mean_resizing=False)
    with torch.no_grad():
        emb = model.get_input_embeddings()
        emb.weight.copy_(torch.from_numpy(new_in).to(emb.weight.dtype))
        if tokenizer.pad_token_id is not None and getattr(emb, "padding_idx", None) is not None:
            emb.padding_idx = int(tokenizer.pad_token_id)
        layer = model.get_output_embeddings()
        if new_out is not None:
            layer.weight.copy_(torch.from_numpy(new_out).to(layer.weight.dtype))
        if new_bias is not None and getattr(layer, "bias", None) is not None:
            layer.bias.copy_(torch.from_numpy(new_bias).to(layer.bias.dtype))
    model.config.vocab_size = n_tgt
    id_map = _source_to_target_ids(tokenizer, plan, src_tokenizer)
    for config in (model.config, getattr(model, "generation_config", None)):
        if config is not None:
            _set_special_ids(config, tokenizer, id_map)
    with atomic_dir(out, overwrite=overwrite, protect=[source_dir]) as tmp:
        model.save_pretrained(tmp, safe_serialization=True)
        tokenizer.save_pretrained(tmp)
        _check_reloaded_tokenizer(tmp, n_tgt)
        if source_dir is not None:
            _copy_rest(os.fspath(source_dir), tmp)
        save_embedding_matrix(new_in, os.path.join(tmp, EMBEDDINGS_FILE),
                              metadata={"source_model": os.fspath(source_dir) if source_dir else ""})
        if report is not None:
            with open(os.path.join(tmp, REPORT_FILE), "w", encoding="utf-8") as handle:
                json.dump(report, handle, indent=2, ensure_ascii=False, default=_json_default)
                handle.write("\n")
        card = os.path.join(os.fspath(source_dir), "README.md") if source_dir is not None else None
        if card is not None and os.path.isfile(card):
            shutil.copy2(card, os.path.join(tmp, SOURCE_CARD))
        _write_card(tmp, source_dir, report, n_tgt)
    return new_in


def _check_reloaded_tokenizer(folder, n_tokens):
    """Refuse a written directory whose tokenizer ``AutoTokenizer`` loads with more than ``n_tokens``.

    transformers may load a saved tokenizer as the class of the model type (Qwen 2's), which adds
    the special tokens it expects when the vocabulary lacks them: their ids would lie past the
    embedding rows.

    Raises
    ------
    ValueError
        Naming the class and the tokens it adds.
    """
    from transformers import AutoTokenizer

    again = AutoTokenizer.from_pretrained(folder)
    if len(again) != n_tokens:
        extra = [t for i, t in sorted((i, t) for t, i in again.get_vocab().items() if i >= n_tokens)]
        raise ValueError(f"AutoTokenizer loads the new tokenizer as {type(again).__name__} with {len(again)} tokens, "
                         f"not the model's {n_tokens}" + (f": it adds {', '.join(extra)}" if extra else "") +
                         "; give the tokenizer the special tokens of the source model's (offramp tokenizer --like "
                         "SOURCE keeps them)")


def _write_card(folder, source_dir, report, n_tokens):
    """A short README.md: what the directory is, where its embeddings came from, and what to do next."""
    from ..._version import __version__

    source = os.path.basename(os.path.normpath(os.fspath(source_dir))) if source_dir else "the source model"
    routes = (report or {}).get("routes") or {}
    lines = ["---", "tags:", "- offramp", "- cross-lingual-transfer", "---", "",
             f"# {source}, moved to a new vocabulary by offramp", "",
             f"The transformer layers are those of {source}; the token embeddings ({n_tokens} tokens) were "
             f"initialised by offramp {__version__} from word vectors aligned across the two languages "
             "(each token's route is in `offramp_transfer.json`, the new matrix in `embeddings.safetensors`).",
             ""]
    if routes:
        lines += ["| route | tokens |", "|---|---:|"] + [f"| {name} | {count} |" for name, count in routes.items()]
        lines.append("")
    lines += ["Rows set to the mean plus noise had no aligned word: train the model on target-language text "
              "before use. The source model's own card (licence, citation) is in "
              f"`{SOURCE_CARD}` when it had one.", ""]
    with open(os.path.join(folder, "README.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _copy_rest(source_dir, target_dir):
    for name in os.listdir(source_dir):
        if name in _REPLACED or name.startswith(".") or os.path.exists(os.path.join(target_dir, name)):
            continue
        src = os.path.join(source_dir, name)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(target_dir, name))
        else:
            shutil.copy2(src, os.path.join(target_dir, name))
