"""The figure of an experiment (PNG, matplotlib: ``pip install "offramp[plot]"``): each metric's mean over
the random states with its spread (one standard deviation) and every state's value as a dot, labelled axes,
and a title that names the data and the setting, so the figure reads without its caption."""
from __future__ import annotations

import textwrap
from pathlib import Path

from ..io.atomic import atomic_path

#: What the y axis of each metric means.
METRIC_LABELS = {"p@1": "BLI P@1 (CSLS)", "transfer_p@1": "verse retrieval P@1, transferred",
                 "no_transfer_p@1": "verse retrieval P@1, untransferred"}
_X_LABELS = {"data-size": "target-language tokens in the sample (log scale)", "pivot": "route to the hub",
             "diversity": "languages in the space"}


def _metric_label(metric):
    if metric.startswith("p@1 "):
        return f"BLI P@1 {metric[4:].replace('-', ' → ')}"
    return METRIC_LABELS.get(metric, metric)


def _title(payload):
    s, exp = payload["setting"], payload["experiment"]
    data = "/".join(Path(s.get("data") or "data").parts[-2:])
    n = len(s.get("random_states", []))
    states = f"{n} random state{'s' if n != 1 else ''}"
    dim = (s.get("train") or {}).get("dim")
    dim = f", {dim}d vectors" if dim else ""
    if exp == "data-size":
        head = f"How much {s['tgt']} text? {s['src']}-{s['tgt']} with {s['tgt']} sampled"
        tail = f"seed {s['seed']}, gold {s.get('gold')} ({s.get('n_test_words')} test words){dim}; {states}, {data}"
    elif exp == "pivot":
        head = f"Reaching {s['hub']} from {s['tgt']} directly or through a relative"
        tail = f"seed to the first language: {s['seed']}; gold {s.get('gold')}{dim}; {states}, {data}"
    else:
        head = f"Does {s['tgt']} gain from more languages in one space?"
        gold = ", ".join(s.get("gold") or [])
        tail = (f"{s['tgt']} seed: {s['seed']}, others by their dictionaries to {s['hub']}; gold {gold}{dim}; "
                f"{states}, {data}")
    return head + "\n" + textwrap.fill(tail, 95)


def _count(n):
    return f"{n / 1e6:.3g}M" if n >= 1e6 else f"{n / 1e3:.3g}k" if n >= 1e3 else f"{n:g}"


def _x_positions(payload):
    """Numeric x for data-size (``'all'`` at its mean token count), else category indices."""
    xs = list(dict.fromkeys(p["x"] for p in payload["points"]))
    if payload["experiment"] == "data-size":
        tokens = {}
        for p in payload["points"]:
            tokens.setdefault(p["x"], []).append(p.get("tokens") or 0)
        pos = {x: (sum(tokens[x]) / len(tokens[x]) if x == "all" else float(x)) for x in xs}
        labels = {x: f"all\n({_count(pos[x])})" if x == "all" else _count(x) for x in xs}
        return xs, pos, labels, True
    spaces = payload["setting"].get("spaces", {})
    relatives = "+".join(payload["setting"].get("relatives") or [])
    labels = {x: (f"{'+' + relatives if x == '+relatives' and relatives else x}\n({len(spaces[x])} languages)"
                  if x in spaces else
                  "direct" if x == payload["setting"].get("hub") else
                  "own dictionary\n(reference)" if x == "own-dictionary" else f"via {x}") for x in xs}
    return xs, {x: float(i) for i, x in enumerate(xs)}, labels, False


def plot_experiment(payload, path, *, dpi=150):
    """Write the experiment's figure to ``path`` (PNG; temporary file, then renamed). ``payload`` is
    :meth:`ExperimentResult.to_json`'s dict (or the JSON file read back). Returns the path."""
    try:
        import matplotlib
    except ImportError:
        raise ImportError('plots need matplotlib: pip install "offramp[plot]"') from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not payload["points"]:
        raise ValueError("the experiment has no points to plot: every run failed (see its JSON's 'failed')")
    xs, pos, labels, numeric = _x_positions(payload)
    metrics = [m for m in dict.fromkeys(p["metric"] for p in payload["points"]) if m != "coverage"]
    summary = {(r["metric"], r["x"]): r for r in payload["summary"]}
    fig, ax = plt.subplots(figsize=(8, 6))
    width = 0.8 / max(len(metrics), 1)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, metric in enumerate(metrics):
        color = colors[i % len(colors)]
        here = [x for x in xs if (metric, x) in summary]
        offset = 0.0 if numeric else (i - (len(metrics) - 1) / 2) * width
        at = [pos[x] + offset for x in here]
        mean = [summary[metric, x]["mean"] for x in here]
        std = [summary[metric, x]["std"] for x in here]
        label = _metric_label(metric)
        if numeric:
            ax.plot(at, mean, marker="o", color=color, label=f"{label} (mean)")
            ax.fill_between(at, [m - s for m, s in zip(mean, std)], [m + s for m, s in zip(mean, std)], color=color,
                            alpha=0.2, label="± 1 std over random states" if i == 0 else None)
        else:
            ax.bar(at, mean, width=width * 0.9, yerr=std, capsize=4, color=color, alpha=0.75,
                   label=f"{label} (mean ± 1 std)")
        dots = [(pos[p["x"]] + offset, p["value"]) for p in payload["points"] if p["metric"] == metric]
        ax.scatter([d[0] for d in dots], [d[1] for d in dots], s=14, color="black", alpha=0.6, zorder=3,
                   label="one random state" if i == 0 else None)
    for j, (metric, value) in enumerate(payload.get("baselines", {}).items()):
        ax.axhline(value, linestyle="--", color="gray", label=f"{_metric_label(metric)}: {value:.1f}")
    if numeric:
        ax.set_xscale("log")
    ax.set_xticks([pos[x] for x in xs])
    ax.set_xticklabels([labels[x] for x in xs])
    ax.minorticks_off() if numeric else None
    ax.set_xlabel(_X_LABELS.get(payload["experiment"], payload["setting"].get("x_label", "x")))
    ax.set_ylabel("percent (BLI: a test word without a vector counts wrong)")
    ax.set_ylim(bottom=0)
    ax.set_title(_title(payload), fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)
    fig.tight_layout()
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=dpi, format="png")
    finally:
        plt.close(fig)
    return Path(path)
