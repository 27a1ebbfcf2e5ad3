"""``offramp align``: map two embedding spaces into one."""
import click

from ._common import check_outputs, user_errors
from ._options import (device_option, embedding_options, parallel_options, parallel_pair, progress_option,
                       read_options)


#: VecMap's presets that name their seed: with no seed option, the preset gives it.
_PRESET_SEEDS = {"identical": "identical", "unsupervised": "unsupervised"}


def _seed_mode(seed_dict, identical, cognates, numerals, unsupervised, parallel=False, preset=None, mode=None):
    """The seed mode of ``align_embeddings`` from --seed MODE or the seed flags; 'auto' when neither
    (and the preset names none)."""
    flags = [flag for flag, on in (("--identical", identical), ("--cognates", cognates), ("--numerals", numerals),
                                   ("--unsupervised", unsupervised)) if on]
    if mode is not None:
        if flags:
            raise click.UsageError(f"--seed {mode} names the seed mode, and {'/'.join(flags)} too; give one of "
                                   f"them (e.g. --seed identical+numerals)")
        return mode
    if unsupervised and (seed_dict or identical or cognates or numerals or parallel):
        raise click.UsageError("--unsupervised uses no seed; drop --seed-dict/--identical/--cognates/--numerals/"
                               "--parallel-src/--parallel-tgt")
    if unsupervised:
        return "unsupervised"
    parts = [name for name, on in (("dictionary", seed_dict), ("identical", identical), ("cognates", cognates),
                                   ("numerals", numerals), ("parallel", parallel)) if on]
    if not parts and preset in _PRESET_SEEDS:
        return _PRESET_SEEDS[preset]
    return "+".join(parts) if parts else "auto"


def _check_out_format(out_format, binary, out_src, out_tgt):
    """--out-format against --binary and the output names; returns whether to write word2vec binary."""
    npy = [str(p).endswith(".npy") for p in (out_src, out_tgt)]
    if binary and out_format not in ("auto", "binary"):
        raise click.UsageError(f"--binary and --out-format {out_format} ask for two formats; give one")
    if out_format == "npy" and not all(npy):
        raise click.UsageError("--out-format npy writes NAME.npy and NAME.vocab: give --out-src and --out-tgt "
                               "names ending in .npy")
    if out_format in ("text", "binary") or binary:
        if any(npy):
            raise click.UsageError(f"--out-src/--out-tgt end in .npy, the native format, and --out-format "
                                   f"{'binary' if binary else out_format} asks for word2vec; rename them or drop "
                                   "the format")
    return binary or out_format == "binary"


def _is_integer(value):
    """Whether a --seed value is a number: the random state it used to be."""
    return value.strip().lstrip("-").isdigit()


def _check_seed_mode(ctx, param, value):
    """--seed: 'auto', a seed mode, or an integer (the old random state); anything else is a usage error."""
    if value is None or value == "auto" or _is_integer(value):
        return value
    from ..bootstrap.lexicon.seeds import PARTS, parse_mode

    try:
        parse_mode(value)
    except ValueError:
        raise click.BadParameter(f"expected auto, unsupervised or a '+'-joined combination of {', '.join(PARTS)} "
                                 f"(e.g. cognates+numerals); got {value!r}") from None
    return value


def _seed_option(value, random_state):
    """--seed: a seed mode (str, or None), and the random state; an integer keeps the option's old meaning,
    the random state (with a note to write --random-state)."""
    if value is None or not _is_integer(value):
        return value, 0 if random_state is None else random_state
    if random_state is not None:
        raise click.UsageError(f"--seed {value} and --random-state {random_state}: the random state is "
                               "--random-state; --seed names the seed mode (e.g. --seed auto)")
    click.echo(f"note: --seed {value} is read as --random-state {value}; --seed now names the seed mode "
               "(auto, dictionary, parallel, cognates+numerals, ...)", err=True)
    return None, int(value)


def _normalize_steps(value):
    """--normalize: comma-separated steps (None when not given)."""
    if value is None:
        return None
    from ..alignment.preprocess import STEPS

    steps = tuple(v.strip() for v in value.split(",") if v.strip())
    bad = [v for v in steps if v not in STEPS]
    if not steps or bad:
        raise click.BadParameter(f"expected comma-separated steps from {', '.join(STEPS)}; got {value!r}",
                                 param_hint="--normalize")
    return steps


def _warmup_dim(value):
    """--warmup-dim: a positive integer, 'auto' or 'off'."""
    if value in ("auto", "off"):
        return None if value == "off" else "auto"
    try:
        dim = int(value)
    except ValueError:
        dim = 0
    if dim < 1:
        raise click.BadParameter(f"expected a positive integer, 'auto' or 'off'; got {value!r}",
                                 param_hint="--warmup-dim")
    return dim


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("src_vectors", type=click.Path(exists=True, dir_okay=False))
@click.argument("tgt_vectors", type=click.Path(exists=True, dir_okay=False))
@click.option("--seed-dict", type=click.Path(exists=True, dir_okay=False), help="Seed (training) dictionary.")
@click.option("--identical", is_flag=True, help="Seed with words spelled the same in both vocabularies.")
@click.option("--cognates", is_flag=True,
              help="Seed with mutually most similar spellings (david/dāvids), for languages that inflect "
                   "names and loan words.")
@click.option("--cognate-similarity", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="With --cognates: minimum normalised edit similarity (default 0.8).")
@click.option("--numerals", is_flag=True, help="Seed with numerals found in both vocabularies.")
@click.option("--identical-rank-ratio", type=click.FloatRange(min=1), default=None,
              help="With --identical: keep a string only if its frequency ranks on the two sides differ by "
                   "at most this factor (drops e.g. English words quoted in the other corpus). "
                   "'inf' keeps every identical string.")
@click.option("--unsupervised", is_flag=True, help="No seed: similarity-distribution initialisation.")
@click.option("--via", nargs=2, type=click.Path(exists=True, dir_okay=False), default=None,
              metavar="AUX_SRC AUX_TGT",
              help="With --unsupervised: first align these two auxiliary spaces without a seed (e.g. each "
                   "language's Bible alone, trained with offramp train), and seed SRC_VECTORS/TGT_VECTORS with "
                   "their mutual translations. No bilingual signal; works where the auxiliary texts are "
                   "comparable (two translations of one text, such as Bibles) and plain --unsupervised fails. "
                   "The auxiliary files are read whole (no --max-vocab), in --format.")
@click.option("--via-top", type=click.IntRange(min=1), default=None,
              help="With --via: translate this many of the auxiliary source space's most frequent words "
                   "(default 2000).")
@click.option("--via-prefix-len", type=click.IntRange(min=1), default=None,
              help="With --via: the auxiliary spaces were trained with offramp train --prefix-len N (tokens cut "
                   "to N characters, for inflecting languages); each induced prefix pair seeds the most frequent "
                   "words that start with them.")
@parallel_options
@click.option("--parallel-min-score", type=click.FloatRange(0, 1), default=None,
              help="With --parallel-src/--parallel-tgt: minimum score (Dice, or Model 1 with --verse-measure "
                   "ibm1) of a verse seed pair (default 0.1).")
@click.option("--out-src", required=True, type=click.Path(dir_okay=False), help="Mapped source vectors to write.")
@click.option("--out-tgt", required=True, type=click.Path(dir_okay=False), help="Mapped target vectors to write.")
@click.option("--preset", type=click.Choice(["offramp", "procrustes", "supervised", "semi_supervised",
                                             "identical", "unsupervised"]),
              default="offramp", show_default=True,
              help="Recipe: offramp's fast self-learning, one Procrustes fit, or VecMap's presets.")
@click.option("--no-self-learning", is_flag=True, help="Fit once on the seed; no iterations.")
@click.option("--vocabulary-cutoff", type=click.IntRange(min=1), default=None,
              help="Induce dictionaries among the N most frequent words [default: offramp 5000, VecMap's "
                   "self-learning presets 20000].")
@click.option("--csls", "--csls-k", "csls_k", type=click.IntRange(min=0), default=None,
              help="CSLS neighbourhood for induction (0 = nearest neighbour) [default: 10].")
@click.option("--direction", type=click.Choice(["forward", "backward", "union", "intersection"]), default=None,
              help="Induction direction [default: offramp intersection (mutual pairs) with --seed-dict or "
                   "verses, union with only --identical/--cognates/--numerals, with --unsupervised and for "
                   "--via's auxiliary spaces; VecMap's presets union].")
@click.option("--max-iter", type=click.IntRange(min=1), default=None,
              help="Iteration cap of each stage (the --warmup-dim stage, when it runs, has its own) "
                   "[default: offramp 100, VecMap's presets 10000].")
@click.option("--threshold", type=click.FloatRange(min=0), default=None,
              help="Convergence: minimum objective gain [default: offramp 1e-4, VecMap's presets 1e-6].")
@click.option("--stochastic-initial", type=click.FloatRange(0, 1, min_open=True), default=None,
              help="Initial keep probability of stochastic induction (1 disables it) [default: 0.1].")
@click.option("--stochastic-interval", type=click.IntRange(min=1), default=None,
              help="Iterations without improvement before the keep probability doubles [default: offramp 2, "
                   "VecMap's presets 50].")
@click.option("--warmup-dim", default=None,
              help="Warm up in this many principal directions before all of them: an integer, 'auto' "
                   "(the offramp preset's: 30 when the seed has under 150 pairs) or 'off'. Lets a seed of "
                   "a few dozen pairs take off.")
@click.option("--normalize", default=None,
              help="Normalisation steps, comma-separated, from unit, center, unitdim, none "
                   "[default: unit,center,unit].")
@click.option("--mapping", type=click.Choice(["orthogonal", "multistep", "least_squares", "rcsls"]), default=None,
              help="Final mapping fitted on the last dictionary [default: multistep (VecMap's whitening, "
                   "re-weighting, de-whitening), orthogonal for --preset procrustes]. rcsls: a map trained on the "
                   "relaxed CSLS criterion (Joulin et al. 2018), to compare with fastText's recipe; it scores "
                   "below multistep on small corpora.")
@click.option("--refine", type=click.Choice(["auto", "instance", "none"]), default="auto", show_default=True,
              help="After the mapping, move each word along the residuals of its nearest seed-dictionary "
                   "pairs (non-linear, instance-based). auto: on for the offramp "
                   "preset with --seed-dict (and with --for transfer, a verse seed), off otherwise (VecMap's "
                   "presets stay linear).")
@click.option("--for", "purpose", type=click.Choice(["bli", "transfer"]), default="bli", show_default=True,
              help="What the aligned spaces are for. transfer: --refine auto also refines a verse seed, which "
                   "lifts the transfer (offramp transfer) and costs BLI P@1 (docs/transfer.md has the numbers).")
@click.option("--refine-step", type=click.FloatRange(0, 1), default=None,
              help="With --refine instance: fraction of the residual each side moves (default 0.3).")
@click.option("--refine-neighbors", type=click.IntRange(min=1), default=None,
              help="With --refine instance: seed words averaged per word (default 10).")
@click.option("--validation-dict", type=click.Path(exists=True, dir_okay=False),
              help="Gold pairs whose P@1 (NN, the loop's map) is logged each iteration and printed in the "
                   "summary; not used for fitting. The objective alone cannot tell a failed run.")
@click.option("--lowercase", is_flag=True, help="Lowercase the seed and validation dictionaries.")
@click.option("--seed", "seed_mode", metavar="MODE", default=None, callback=_check_seed_mode,
              help="The seed mode: auto, or a '+'-joined combination of dictionary, parallel, identical, "
                   "cognates and numerals, or unsupervised. auto (the default when no seed option is given) "
                   "takes the strongest evidence the inputs allow: --seed-dict, else the verses "
                   "(--parallel-src/--parallel-tgt: P@1 within 1.4 points of a dictionary on six pairs, above it "
                   "on three), else --via spaces, else cognates and numerals; the summary says which it used.")
@click.option("--random-state", type=int, default=None, help="Random seed.  [default: 0]")
@click.option("--restarts", type=click.IntRange(min=1), default=None,
              help="Run the self-learning loop this many times (random states R, R+1, ...) and keep the run "
                   "with the best objective; for weak seeds and --unsupervised, where a single run may end "
                   "in the wrong basin. With --via, the restarts of "
                   "the auxiliary spaces' alignment. [default: 8 with --unsupervised (offramp preset) and "
                   "with --via, else 1]")
@click.option("--checkpoint-dir", type=click.Path(file_okay=False), default=None,
              help="Keep each finished restart here (--restarts, --unsupervised, the --via auxiliary "
                   "alignment); the same command after a kill takes them back and ends as an uninterrupted run.")
@click.option("--binary", is_flag=True, help="Write word2vec binary instead of text (--out-format binary).")
@click.option("--out-format", type=click.Choice(["auto", "text", "binary", "npy"]), default="auto", show_default=True,
              help="Format of --out-src/--out-tgt. npy: offramp's native format, NAME.npy (the float32 matrix, "
                   "memory-mapped when read: large spaces open in a moment) and NAME.vocab beside it, read by "
                   "every command; auto: npy for names ending in .npy, else word2vec text (or --binary).")
@click.option("--report", type=click.Path(dir_okay=False),
              help="JSON report with per-iteration objective and timing, and the shared-string check (words "
                   "spelled alike in both vocabularies, outside the seed, that translate to themselves; printed "
                   "in the summary, a warning when it fails).")
@progress_option(help="Show progress bars on stderr (reading vectors, the self-learning loop).")
@embedding_options
@device_option
@user_errors
def align(src_vectors, tgt_vectors, seed_dict, identical, cognates, cognate_similarity, numerals,
          identical_rank_ratio, unsupervised, via, via_top, via_prefix_len, parallel_src, parallel_tgt,
          verse_measure, parallel_min_score, out_src, out_tgt, preset, no_self_learning, vocabulary_cutoff, csls_k,
          direction, max_iter, threshold, stochastic_initial, stochastic_interval, warmup_dim, normalize, mapping,
          refine, purpose, refine_step, refine_neighbors, validation_dict, lowercase, seed_mode, random_state, restarts,
          checkpoint_dir, binary, out_format, report, progress, fmt, max_vocab, device):
    """Map SRC_VECTORS and TGT_VECTORS into one space: Procrustes + CSLS self-learning, then a final
    map on the last dictionary (VecMap's multi-step by default) and, with --seed-dict, a non-linear
    refinement (--refine).

    \b
    Examples:
      offramp align en.vec fi.vec --seed-dict train.txt --out-src en.mapped.vec --out-tgt fi.mapped.vec
      offramp align en.vec fi.vec --identical --numerals --out-src en.m.vec --out-tgt fi.m.vec
      offramp align en.vec lv.vec --cognates --numerals --out-src en.m.vec --out-tgt lv.m.vec
      offramp align en.vec lv.vec --parallel-src en.KJV.tsv --parallel-tgt lv.LvGluck8.tsv \\
          --out-src en.m.vec --out-tgt lv.m.vec
      offramp align en.vec lv.vec --out-src en.m.vec --out-tgt lv.m.vec   # --seed auto: cognates+numerals
      offramp align en.vec fr.vec --seed-dict train.txt --refine none --out-src en.m.vec --out-tgt fr.m.vec
      offramp align en.vec fi.vec --unsupervised --out-src en.m.vec --out-tgt fi.m.vec --report r.json
      offramp align en.vec es.vec --unsupervised --restarts 16 --out-src en.m.vec --out-tgt es.m.vec
      offramp align en.vec es.vec --unsupervised --via en.bible.vec es.bible.vec --out-src en.m.vec --out-tgt es.m.vec
    """
    from ..bootstrap.align import align_files
    from ..bootstrap.io.outputs import aligned_outputs

    check_outputs(aligned_outputs(out_src, out_tgt, report),  # before the alignment, not after it
                  SRC_VECTORS=src_vectors, TGT_VECTORS=tgt_vectors, seed_dict=seed_dict,
                  validation_dict=validation_dict, parallel_src=parallel_src, parallel_tgt=parallel_tgt, via=via)
    parallel = parallel_pair(parallel_src, parallel_tgt, verse_measure)
    params = {"vocabulary_cutoff": vocabulary_cutoff, "csls_k": csls_k, "direction": direction,
              "max_iter": max_iter, "threshold": threshold, "stochastic_initial": stochastic_initial,
              "stochastic_interval": stochastic_interval, "n_init": None if via else restarts,
              "normalize": _normalize_steps(normalize), "final_mapping": {"name": mapping} if mapping else None,
              "self_learning": False if no_self_learning else None,
              # the seed and its options
              "seed_dict": seed_dict, "parallel": parallel,
              "cognates": None if cognate_similarity is None else {"min_similarity": cognate_similarity},
              "parallel_options": None if parallel_min_score is None else {"min_score": parallel_min_score},
              "identical_rank_ratio": None if identical_rank_ratio in (None, float("inf")) else identical_rank_ratio,
              "refine_options": {k: v for k, v in (("step", refine_step), ("n_neighbors", refine_neighbors))
                                 if v is not None} or None,
              "via_options": {k: v for k, v in (("restarts", restarts if via else None), ("top", via_top),
                                                ("prefix_len", via_prefix_len)) if v is not None} or None}
    params = {k: v for k, v in params.items() if v is not None}
    if warmup_dim is not None:  # after the filter: 'off' is None, and must override the preset
        params["warmup_dim"] = _warmup_dim(warmup_dim)
    binary = _check_out_format(out_format, binary, out_src, out_tgt)
    seed_mode, random_state = _seed_option(seed_mode, random_state)
    seed = _seed_mode(seed_dict, identical, cognates, numerals, unsupervised, parallel is not None, preset,
                      mode=seed_mode)
    result = align_files(src_vectors, tgt_vectors, out_src=out_src, out_tgt=out_tgt, report=report, binary=binary,
                         via=via or None, fmt=fmt, max_vocab=max_vocab, progress=progress, seed=seed, preset=preset,
                         refine=None if refine == "none" else refine, validation_dict=validation_dict, device=device,
                         random_state=random_state, lowercase=lowercase, purpose=purpose,
                         checkpoint_dir=checkpoint_dir, **read_options(), **params)
    est, sig = result.estimator, result.signature
    r = result.report
    click.echo(f"aligned {r['n_src']} x {r['n_tgt']} words (dim {r['dim']}): {r['seed'].get('n_seed_pairs', 0)} "
               f"seed pairs{_parts(r['seed'].get('parts'))}{_coverage(r['seed'].get('dictionary'))}"
               f"{_auto(r['seed'])}, "
               f"{r['n_iter']} iterations"
               f"{'' if est.converged_ else ' (not converged: --max-iter reached)'}, "
               f"{r['n_final_pairs']} final pairs{_last_iteration(r.get('history'))}{_check(r.get('check'))}, "
               f"{r['wall_s']:.1f}s | {sig}")
    if (r.get("check") or {}).get("verdict") == "failed":
        click.echo(f"warning: of {r['check']['n_checked']} words spelled alike in both vocabularies, outside the "
                   f"seed, {r['check']['self@1']:.1f}% translate to themselves: the map has most likely failed. "
                   + _failed_advice(r["seed"]), err=True)


_FAILED_ADVICE = {
    "unsupervised": "On small corpora try --via with each language's Bible alone, or more --restarts (e.g. 16), "
                    "or a seed that costs nothing: --identical --numerals, --cognates --numerals.",
    "via": "Try more --restarts, auxiliary spaces trained with --prefix-len 5 (for inflecting languages), or a "
           "seed that costs nothing: --identical --numerals, --cognates --numerals.",
    None: "Check that the seed's source and target columns match SRC_VECTORS and TGT_VECTORS, or try "
          "another seed mode.",
}


def _failed_advice(seed_report):
    """What to try after a failed check, by how the map was seeded (the report's ``seed``)."""
    key = "via" if "via" in seed_report else seed_report["mode"]
    return _FAILED_ADVICE.get(key, _FAILED_ADVICE[None])


def _check(check):
    """', shared strings 276/454 to themselves (ok)': the shared-string check of the report ('' when it had
    fewer than its minimum of strings to look at)."""
    if not check or check["verdict"] == "too few":
        return ""
    return f", shared strings {check['n_self@1']}/{check['n_checked']} to themselves ({check['verdict']})"


def _last_iteration(history):
    """', objective 0.2800, validation P@1 41.2' from the loop's last iteration ('' without a loop):
    the objective compares restarts, the validation P@1 (NN, the loop's map) tells whether it worked."""
    if not history:
        return ""
    last = history[-1]
    text = f", objective {last['objective']:.4f}"
    if "val_p@1" in last:
        text += f", validation P@1 {100 * last['val_p@1']:.1f} (NN, the loop's map)"
    return text


def _auto(seed_report):
    """' (--seed auto chose parallel: ...)' when --seed auto picked the mode ('' otherwise)."""
    return f" (--seed auto chose {seed_report['mode']}: {seed_report['auto']})" if seed_report.get("auto") else ""


def _parts(parts):
    """' (identical 145, numerals +0)' for a combined seed: each part's new entries (before the
    vocabulary lookup)."""
    if not parts:
        return ""
    return " (" + ", ".join(f"{name} {'+' if i else ''}{c['added']}" for i, (name, c) in enumerate(parts.items())) + ")"


def _coverage(cov):
    """' (dictionary: N of M pairs in vocabulary, OOV src a / tgt b)' for a seed dictionary."""
    if not cov:
        return ""
    return (f" (dictionary: {cov['n_pairs_in_vocab']} of {cov['n_entries']} pairs in vocabulary, "
            f"OOV src {cov['src_oov']} / tgt {cov['tgt_oov']} words)")
