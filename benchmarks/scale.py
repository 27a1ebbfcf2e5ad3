"""Full-size vectors: two synthetic spaces of fastText's published size read, aligned, evaluated and
induced, each step in a process of its own with its wall time and peak resident memory.

The published fastText vectors hold 2,000,000 words x 300 (``offramp data fetch fasttext-cc LANG``).
This script makes two spaces of that shape with a known translation, writes them in the formats users
have (word2vec text gzipped, as fastText ships it, and word2vec binary; offramp's native ``.npy`` too),
and runs the user's path on them with the ``offramp`` command, one process a step:

    read_text        load_embeddings of both .vec.gz files; the source file again with gensim's
                     load_word2vec_format in the same process (``gensim_wall_s``, ``speed_vs_gensim``)
    read_binary      load_embeddings of both .bin files
    read_npy         load_embeddings of both native .npy files (memory-mapped)
    align_dictionary offramp align with a 5000-pair seed dictionary, both mapped files written (.npy)
    align_identical  offramp align --identical --numerals (a few hundred strings are shared)
    evaluate         offramp evaluate of the dictionary run's outputs on 1500 test words
    induce_mutual    offramp induce of the 200,000 most frequent source words against every target
                     word, --mutual
    induce_rerank    the same with --rerank ortho,freq, tuned on the seed dictionary

The spaces: source rows are unit directions drawn around 2000 cluster centres, scaled by a norm
that decays with the frequency rank; each target row is the source row rotated by a random orthogonal
matrix plus Gaussian noise, its word renamed (another alphabet), the target's frequency order a noisy
copy of the source's. 300 numerals and 200 names keep their spelling in both. The seed dictionary
holds 5000 of the 20,000 most frequent words, the test dictionary 1500 others of them.

    python benchmarks/scale.py --n 2000000 --dim 300 --json benchmarks/results/scale.json
    python benchmarks/scale.py --sizes 200000,500000,1000000,2000000 --json benchmarks/results/scale.json
    python benchmarks/scale.py --n 50000 --steps read_text,align_dictionary,evaluate

``--json`` keeps the records already in the file and replaces the (n, step) pairs that run again,
writing after every step: a long run can be resumed (``--resume`` skips the pairs on record). The
generated files live in ``--workdir`` (one folder per size, reused while the settings match).
"""
import argparse
import gzip
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STEPS = ("read_text", "read_binary", "read_npy", "align_dictionary", "align_identical", "evaluate",
         "induce_mutual", "induce_rerank")
N_CLUSTERS = 2000
N_NUMERALS, N_NAMES = 300, 200
FREQUENT = 20_000  # the dictionaries' words come from this many most frequent
BLOCK = 50_000  # rows generated and written at a time
DECIMALS = 4  # as fastText's .vec files
_SRC_SYLLABLES = [c + v for c in "bcdfgklmnprstvz" for v in "aeiou"]
_TGT_SYLLABLES = [c + v for c in "bcdfgklmnprstvz" for v in "äëïöü"]


def _word(i, syllables):
    """A pronounceable name for row ``i``: its digits in base len(syllables), as syllables."""
    base = len(syllables)
    parts = [syllables[i % base]]
    i //= base
    while i:
        parts.append(syllables[i % base])
        i //= base
    return "".join(reversed(parts))


def make_spaces(n, dim, random_state=0, noise=1.0):
    """The source matrix, the target matrix, both word lists and the gold target row of every source row.

    Returns
    -------
    X, Z : ndarray of shape (n, dim), float32
    src_words, tgt_words : list of str, length n
    gold : ndarray of shape (n,)
        ``gold[i]``: the target row that translates source row ``i``.
    """
    rng = np.random.default_rng(random_state)
    centres = rng.standard_normal((N_CLUSTERS, dim), dtype=np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    rotation, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    rotation = rotation.astype(np.float32)
    X = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, BLOCK):
        stop = min(n, start + BLOCK)
        block = centres[rng.integers(N_CLUSTERS, size=stop - start)]
        block += 0.5 * rng.standard_normal(block.shape, dtype=np.float32) / np.sqrt(dim, dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        rank = np.arange(start, stop, dtype=np.float32)
        block *= (4.0 / (1.0 + 0.2 * np.log1p(rank)))[:, None]  # frequent words have longer vectors
        X[start:stop] = block
    # the target's frequency order: the source's, each rank moved by noise proportional to it
    noisy_rank = np.arange(n) * np.exp(0.3 * rng.standard_normal(n)) + rng.standard_normal(n)
    order = np.argsort(noisy_rank, kind="stable")  # order[t]: the source row at target row t
    gold = np.empty(n, dtype=np.int64)
    gold[order] = np.arange(n)
    Z = np.empty_like(X)
    for start in range(0, n, BLOCK):
        rows = order[start:start + BLOCK]
        block = X[rows] @ rotation
        scale = np.linalg.norm(block, axis=1, keepdims=True) / np.sqrt(dim, dtype=np.float32)
        block += noise * scale * rng.standard_normal(block.shape, dtype=np.float32)
        Z[start:start + BLOCK] = block
    src_words = [_word(i, _SRC_SYLLABLES) for i in range(n)]
    tgt_words = [_word(t, _TGT_SYLLABLES) for t in range(n)]
    # shared strings at spread ranks of the frequent words: numerals and names spelled alike
    shared = rng.choice(min(n, FREQUENT), size=min(n // 10, N_NUMERALS + N_NAMES), replace=False)
    for k, i in enumerate(shared):
        text = str(k) if k < N_NUMERALS else f"nomen{_word(k, _SRC_SYLLABLES)}"
        src_words[i] = tgt_words[gold[i]] = text
    return X, Z, src_words, tgt_words, gold


def _text_lines(words, M, start, stop):
    fmt = " ".join([f"%.{DECIMALS}f"] * M.shape[1])
    return "".join(f"{words[i]} {fmt % tuple(M[i])}\n" for i in range(start, stop)).encode("utf-8")


def write_text_gz(path, words, M):
    """word2vec text, gzipped (level 1: the benchmark times reading, not compressing)."""
    tmp = f"{path}.tmp"
    with gzip.open(tmp, "wb", compresslevel=1) as handle:
        handle.write(f"{M.shape[0]} {M.shape[1]}\n".encode())
        for start in range(0, M.shape[0], BLOCK // 10):
            handle.write(_text_lines(words, M, start, min(M.shape[0], start + BLOCK // 10)))
    os.replace(tmp, path)


def write_binary(path, words, M):
    """word2vec binary: the header, then each word, a space and its float32 values, a newline."""
    tmp = f"{path}.tmp"
    M = np.ascontiguousarray(M, dtype="<f4")
    with open(tmp, "wb") as handle:
        handle.write(f"{M.shape[0]} {M.shape[1]}\n".encode())
        for start in range(0, M.shape[0], BLOCK):
            stop = min(M.shape[0], start + BLOCK)
            handle.write(b"".join(words[i].encode("utf-8") + b" " + M[i].tobytes() + b"\n"
                                  for i in range(start, stop)))
    os.replace(tmp, path)


def write_npy(path, words, M):
    """offramp's native format: NAME.npy beside NAME.vocab (one word a line)."""
    from offramp.bootstrap.io.embeddings import make_keyed_vectors, save_embeddings

    save_embeddings(make_keyed_vectors(words, M, copy=False), path)


def write_dictionaries(folder, src_words, tgt_words, gold, n_train, n_test, random_state):
    """Seed and test dictionaries from the most frequent words, disjoint, as ``src tgt`` lines."""
    rng = np.random.default_rng(random_state + 1)
    pool = rng.permutation(min(len(src_words), FREQUENT))
    pool = [i for i in pool if src_words[i] != tgt_words[gold[i]]]  # shared strings stay out
    train, test = pool[:n_train], pool[n_train:n_train + n_test]
    for name, rows in (("train.txt", sorted(train)), ("test.txt", sorted(test))):
        text = "".join(f"{src_words[i]} {tgt_words[gold[i]]}\n" for i in rows)
        (folder / name).write_text(text, encoding="utf-8")


def generate(folder, n, dim, random_state, n_train, n_test):
    """Write the two spaces in every format and the dictionaries into ``folder``, once per setting."""
    settings = {"n": n, "dim": dim, "random_state": random_state, "n_train": n_train, "n_test": n_test,
                "clusters": N_CLUSTERS, "decimals": DECIMALS, "version": 3}
    stamp = folder / "settings.json"
    if stamp.exists() and json.loads(stamp.read_text()) == settings:
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    X, Z, src_words, tgt_words, gold = make_spaces(n, dim, random_state)
    for side, words, M in (("src", src_words, X), ("tgt", tgt_words, Z)):
        write_text_gz(folder / f"{side}.vec.gz", words, M)
        write_binary(folder / f"{side}.bin", words, M)
        write_npy(folder / f"{side}.npy", words, M)
    write_dictionaries(folder, src_words, tgt_words, gold, n_train, n_test, random_state)
    stamp.write_text(json.dumps(settings))


# --- the steps, each in its own process --------------------------------------------------------------

_READ = """
import json, resource, sys, time
from offramp.bootstrap.io.embeddings import load_embeddings
paths, compare = sys.argv[1:3], sys.argv[3] == "1"
start = time.perf_counter()
kvs = [load_embeddings(p, progress=False) for p in paths]
wall = time.perf_counter() - start
out = {"wall_s": wall, "words": [len(kv) for kv in kvs],
       "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
if compare:
    del kvs
    from offramp.bootstrap.io.embeddings import load_embeddings as ours
    from gensim.models import KeyedVectors
    start = time.perf_counter()
    KeyedVectors.load_word2vec_format(paths[0], binary=False)
    out["gensim_wall_s"] = time.perf_counter() - start
    start = time.perf_counter()
    ours(paths[0], progress=False)
    out["offramp_one_file_s"] = time.perf_counter() - start
print(json.dumps(out))
"""


def _offramp(*args):
    return [sys.executable, "-m", "offramp.cli.main", *map(str, args)]


def step_command(step, folder, induce_src, device):
    """The command of one step and the file its JSON report lands in (None: it prints its JSON)."""
    f = folder
    out = f / "out"
    dev = ["--device", device]
    if step.startswith("read_"):
        ext = {"read_text": "vec.gz", "read_binary": "bin", "read_npy": "npy"}[step]
        compare = "1" if step == "read_text" else "0"
        return [sys.executable, "-c", _READ, f / f"src.{ext}", f / f"tgt.{ext}", compare], None
    if step == "align_dictionary":
        return _offramp("align", f / "src.bin", f / "tgt.bin", "--seed-dict", f / "train.txt",
                        "--out-src", out / "dict.src.npy", "--out-tgt", out / "dict.tgt.npy",
                        "--report", out / "align_dictionary.json", "--no-progress", *dev), out / "align_dictionary.json"
    if step == "align_identical":
        return _offramp("align", f / "src.bin", f / "tgt.bin", "--identical", "--numerals",
                        "--out-src", out / "ident.src.npy", "--out-tgt", out / "ident.tgt.npy",
                        "--report", out / "align_identical.json", "--no-progress", *dev), out / "align_identical.json"
    if step == "evaluate":
        return _offramp("evaluate", out / "dict.src.npy", out / "dict.tgt.npy", f / "test.txt",
                        "--json", "--no-progress", *dev), "stdout"
    if step in ("induce_mutual", "induce_rerank"):
        more = ["--mutual"] if step == "induce_mutual" else ["--rerank", "ortho,freq", "--tune-dict", f / "train.txt"]
        return _offramp("induce", out / "dict.src.npy", out / "dict.tgt.npy", "--out", out / f"{step}.tsv",
                        "--max-src", induce_src, "--report", out / f"{step}.json", "--no-progress",
                        *more, *dev), out / f"{step}.json"
    raise ValueError(f"unknown step {step!r}; pick from {', '.join(STEPS)}")


def _forked():
    """Run in the child before exec; its presence alone keeps subprocess from using vfork."""


def run_step(step, folder, induce_src, device):
    """Run one step in a child process; its wall time, peak RSS (the child's, from wait4) and scores."""
    (folder / "out").mkdir(exist_ok=True)
    command, report = step_command(step, folder, induce_src, device)
    paths = [str(ROOT / "src"), os.environ.get("PYTHONPATH")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, paths))}
    start = time.perf_counter()
    with tempfile.TemporaryFile() as stdout, tempfile.TemporaryFile() as stderr:
        # forked, not vforked (a preexec_fn makes subprocess fork): a vforked child's ru_maxrss starts at
        # this process's peak (the generated spaces'), a forked one's at its current size
        child = subprocess.Popen(command, stdout=stdout, stderr=stderr, env=env, preexec_fn=_forked)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        stdout.seek(0)
        stderr.seek(0)
        printed, errors = stdout.read().decode(errors="replace"), stderr.read().decode(errors="replace")
    if child.returncode != 0:
        raise RuntimeError(f"{step} failed ({shlex.join(map(str, command))}):\n{errors[-3000:]}")
    record = {"step": step, "wall_s": round(wall, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1)}
    if report is None:
        child_out = json.loads(printed.strip().splitlines()[-1])
        record["load_s"] = round(child_out["wall_s"], 2)
        record["peak_rss_mb"] = round(child_out["peak_rss_mb"], 1)  # the reading's, before gensim's
        if "gensim_wall_s" in child_out:
            record["gensim_wall_s"] = round(child_out["gensim_wall_s"], 2)
            record["offramp_one_file_s"] = round(child_out["offramp_one_file_s"], 2)
            record["speed_vs_gensim"] = round(child_out["gensim_wall_s"] / child_out["offramp_one_file_s"], 3)
    elif report == "stdout":
        record.update(_scores(step, json.loads(printed), folder))
    else:
        record.update(_scores(step, json.loads(report.read_text(encoding="utf-8")), folder))
        record["summary"] = printed.strip().splitlines()[-1] if printed.strip() else ""
    return record


def _scores(step, data, folder):
    if step.startswith("align"):
        return {"n_iter": data["n_iter"]}
    if step == "evaluate":
        return {"p@1": data["p@1"], "p@10": data["p@10"], "coverage": data["coverage"]}
    # induce: P@1 of the lexicon's rank-1 rows on the test words that it kept
    gold = dict(line.split() for line in (folder / "test.txt").read_text(encoding="utf-8").splitlines())
    best = {}
    with open(folder / "out" / f"{step}.tsv", encoding="utf-8") as handle:
        for line in handle:
            src, tgt, *rest = line.rstrip("\n").split("\t")
            if src in gold and src not in best:
                best[src] = tgt
    hits = sum(best[w] == gold[w] for w in best)
    return {"p@1": round(100 * hits / max(1, len(best)), 2), "test_words_kept": len(best),
            "n_src": data.get("info", data).get("n_src")}


def _key(run):
    """What a run measured: its size, its step and, for induce, how many source words it translated."""
    return run["n"], run["step"], run.get("n_src") if run["step"].startswith("induce") else None


def _command(data, args):
    """The commands that make every run of the record (which may have been made in parts): one over every
    size and step, and one more for each other number of induce source words, one per line."""
    induce = [r for r in data["runs"] if r["step"].startswith("induce") and r.get("n_src")]
    counts = {}
    for r in induce:
        counts[r["n_src"]] = counts.get(r["n_src"], 0) + 1
    base = max(counts, key=lambda c: (counts[c], -c)) if counts else args.induce_src
    main_runs = [r for r in data["runs"] if _key(r)[2] in (None, base, min(base, r["n"]))]
    lines = [_one_command(main_runs, base, args)]
    for other in sorted(set(counts) - {base}):
        runs = [r for r in induce if r["n_src"] == other and r["n_src"] != min(base, r["n"])]
        if runs:
            lines.append(_one_command(runs, other, args))
    return "\n".join(lines)


def _one_command(runs, induce_src, args):
    sizes = ",".join(str(n) for n in sorted({r["n"] for r in runs}))
    steps = sorted({r["step"] for r in runs}, key=STEPS.index)
    more = [] if len(steps) == len(STEPS) else ["--steps", ",".join(steps)]
    return shlex.join(["python", "benchmarks/scale.py", "--sizes", sizes, "--dim", str(args.dim), "--induce-src",
                       str(induce_src), *more, *(["--device", args.device] if args.device != "cpu" else []),
                       "--json", args.json])


def _load_records(path):
    if path and Path(path).exists():
        return json.loads(Path(path).read_text(encoding="utf-8"))
    return {"runs": []}


def _save(path, data):
    tmp = f"{path}.tmp"
    Path(tmp).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2_000_000, help="words per space")
    p.add_argument("--sizes", help="comma-separated sizes, instead of --n (e.g. 200000,500000,1000000,2000000)")
    p.add_argument("--dim", type=int, default=300)
    p.add_argument("--steps", default=",".join(STEPS), help=f"comma-separated, from {', '.join(STEPS)}")
    p.add_argument("--induce-src", type=int, default=200_000, help="source words that induce translates")
    p.add_argument("--n-train", type=int, default=5000)
    p.add_argument("--n-test", type=int, default=1500)
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--workdir", default=str(ROOT / "benchmarks" / "_cache" / "scale"))
    p.add_argument("--keep", action="store_true", help="keep the generated files after the run")
    p.add_argument("--json", help="write the records here (kept and updated step by step)")
    p.add_argument("--resume", action="store_true",
                   help="skip the runs already in --json (same size and step; for induce, same --induce-src)")
    args = p.parse_args(argv)

    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes else [args.n]
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    for s in steps:
        if s not in STEPS:
            p.error(f"unknown step {s!r}; pick from {', '.join(STEPS)}")
    data = _load_records(args.json)
    data.pop("induce_src", None)  # each induce run records its own n_src
    data.update({"dim": args.dim, "device": args.device,
                 "machine": f"{len(os.sched_getaffinity(0))} CPU cores, "
                            f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB"})
    invoked = "python benchmarks/scale.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    data["invocations"] = list(dict.fromkeys(data.get("invocations", []) + [invoked]))
    for n in sizes:
        folder = Path(args.workdir) / f"n{n}-d{args.dim}-r{args.random_state}"
        start = time.perf_counter()
        generate(folder, n, args.dim, args.random_state, args.n_train, args.n_test)
        print(f"n={n}: spaces ready in {folder} ({time.perf_counter() - start:.0f} s)", file=sys.stderr)
        for step in steps:
            wanted = (n, step, min(args.induce_src, n) if step.startswith("induce") else None)
            if args.resume and any(_key(r) == wanted for r in data["runs"]):
                continue
            record = {"n": n, **run_step(step, folder, min(args.induce_src, n), args.device)}
            print(json.dumps(record), flush=True)
            if args.json:
                data["runs"] = [r for r in data["runs"] if _key(r) != _key(record)] + [record]
                data["runs"].sort(key=lambda r: (r["n"], STEPS.index(r["step"]), r.get("n_src") or 0))
                data["command"] = _command(data, args)
                _save(args.json, data)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
