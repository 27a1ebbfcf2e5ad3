"""offramp: cross-lingual word representations for under-resourced European languages.

Train word vectors per language, align two spaces from a tiny seed (or none), induce and evaluate
bilingual lexicons, and initialise an LLM's token embeddings for a new language. The public API is
re-exported here and imported on first use, so ``import offramp`` stays light::

    import offramp
    src = offramp.load_embeddings("en.vec")
    tgt = offramp.load_embeddings("fi.vec")
    result = offramp.align_embeddings(src, tgt, seed="dictionary", seed_dict="train.txt")
    scores = offramp.evaluate_bli(result.src_mapped, result.tgt_mapped, "test.txt")
    print(scores["p@1"], scores["signature"])

Subpackages: :mod:`offramp.alignment` (array math: mappings, retrieval, the self-learning loop),
:mod:`offramp.bootstrap` (everything at the edges: I/O, seeds, training, alignment runs, evaluation,
LLM transfer) and :mod:`offramp.cli` (the ``offramp`` command).
"""
import importlib

from ._version import __version__

#: Public name -> the module that defines it.
_API = {
    # embeddings, dictionaries, corpora
    "load_embeddings": "offramp.bootstrap.io.embeddings",
    "save_embeddings": "offramp.bootstrap.io.embeddings",
    "make_keyed_vectors": "offramp.bootstrap.io.embeddings",
    "read_dictionary": "offramp.bootstrap.io.dictionaries",
    "write_dictionary": "offramp.bootstrap.io.dictionaries",
    "Corpus": "offramp.bootstrap.io.corpora",
    "save_aligned": "offramp.bootstrap.io.outputs",
    "read_space_info": "offramp.bootstrap.io.outputs",
    "write_lexicon": "offramp.bootstrap.io.outputs",
    "FormatError": "offramp.bootstrap.errors",
    "OfframpError": "offramp.bootstrap.errors",
    "InputsError": "offramp.bootstrap.errors",
    # training
    "train_embeddings": "offramp.bootstrap.training",
    "train_to_files": "offramp.bootstrap.training",
    # seeds and lexicons
    "seed_entries": "offramp.bootstrap.lexicon.seeds",
    "split_dictionary": "offramp.bootstrap.lexicon.split",
    "frequency_split": "offramp.bootstrap.lexicon.split",
    "pivot_dictionary": "offramp.bootstrap.lexicon.pivot",
    "verse_association": "offramp.bootstrap.lexicon.parallel",
    # alignment runs
    "align_embeddings": "offramp.bootstrap.align",
    "AlignResult": "offramp.bootstrap.align",
    "align_files": "offramp.bootstrap.align",
    "shared_string_check": "offramp.bootstrap.check",
    # many languages in one space
    "align_multilingual": "offramp.bootstrap.multilingual",
    "MultilingualResult": "offramp.bootstrap.multilingual",
    "link_to_hub": "offramp.bootstrap.multilingual",
    "evaluate_pairs": "offramp.bootstrap.multilingual",
    "save_multilingual": "offramp.bootstrap.multilingual",
    "run_plan": "offramp.bootstrap.multi",
    # experiments: data size, bridge language, diversity
    "run_data_size": "offramp.bootstrap.experiments",
    "run_pivot": "offramp.bootstrap.experiments",
    "run_diversity": "offramp.bootstrap.experiments",
    "plot_experiment": "offramp.bootstrap.experiments",
    "ExperimentResult": "offramp.bootstrap.experiments",
    "read_plan": "offramp.bootstrap.plan",
    # evaluation and induction
    "evaluate_bli": "offramp.bootstrap.evaluation.bli",
    "evaluate_files": "offramp.bootstrap.evaluation.bli",
    "induce_lexicon": "offramp.bootstrap.evaluation.induce",
    "induce_files": "offramp.bootstrap.evaluation.induce",
    "Lexicon": "offramp.bootstrap.evaluation.induce",
    "LinearReranker": "offramp.bootstrap.evaluation.rerankers",
    "TreeReranker": "offramp.bootstrap.evaluation.rerankers",
    "make_reranker": "offramp.bootstrap.evaluation.rerankers",
    # estimators of the array layer
    "SelfLearning": "offramp.alignment.selflearning",
    "OrthogonalMapping": "offramp.alignment.mapping",
    "MultiStepMapping": "offramp.alignment.mapping",
    "LeastSquaresMapping": "offramp.alignment.mapping",
    "RCSLSMapping": "offramp.alignment.mapping",
    "Normalizer": "offramp.alignment.preprocess",
    "InstanceRefinement": "offramp.alignment.instance",
    "JointAlignment": "offramp.alignment.multilingual",
    "PRESETS": "offramp.alignment.presets",
    # LLM transfer
    "train_tokenizer": "offramp.bootstrap.llm.tokenization",
    "extend_tokenizer": "offramp.bootstrap.llm.tokenization",
    "fertility": "offramp.bootstrap.llm.fertility",
    "plan_transfer": "offramp.bootstrap.llm.transfer",
    "transfer": "offramp.bootstrap.llm.transfer",
}

__all__ = ["__version__", *_API]


def __getattr__(name):
    if name not in _API:
        raise AttributeError(f"module 'offramp' has no attribute {name!r}")
    value = getattr(importlib.import_module(_API[name]), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__():
    return sorted(set(globals()) | set(_API))
