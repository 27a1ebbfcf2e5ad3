"""The ``offramp`` console command.

Subcommands live in their own modules and are imported only when invoked, so
``offramp --help`` stays fast and a command's heavy imports (gensim, torch) load only for it.
"""
import importlib

import click

from .._version import __version__

COMMANDS = {
    "train": (".train", "train", "Train monolingual word embeddings from raw corpora (gensim)."),
    "align": (".align", "align", "Map two embedding spaces into one (Procrustes + CSLS self-learning)."),
    "split": (".split", "split", "Build frequency-matched train/test dictionaries from a gold dictionary."),
    "pivot": (".pivot", "pivot", "Triangulate two dictionaries through a third language (en-de + de-lv -> en-lv)."),
    "multi": (".multi", "multi", "Many languages in one space from a plan: train, link to a hub, refine jointly."),
    "experiment": (".experiment", "experiment", "Data size, bridge language, more languages: a table and a plot each."),
    "evaluate": (".evaluate", "evaluate", "Bilingual lexicon induction scores: P@1/5/10, MRR, coverage."),
    "induce": (".induce", "induce", "Induce a bilingual lexicon (word translation pairs with scores)."),
    "data": (".data", "data", "Fetch public dictionaries, corpora and word vectors into a local cache."),
    "tokenizer": (".transfer", "tokenizer", "Train or extend a target-language tokenizer like a source model's."),
    "transfer": (".transfer", "transfer", "Initialise a source model's token embeddings for a new language."),
    "fertility": (".transfer", "fertility", "Tokens per word for one or more tokenizers on a corpus."),
}


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx):
        return list(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module, attr, _ = COMMANDS[name]
        return getattr(importlib.import_module(module, __package__), attr)

    def format_commands(self, ctx, formatter):
        rows = [(name, help_) for name, (_, _, help_) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="offramp")
def main():
    """offramp: cross-lingual word representations for under-resourced languages.

    Typical run: train -> split -> align -> evaluate/induce -> tokenizer -> transfer (-> fertility).
    """


if __name__ == "__main__":  # pragma: no cover
    main()
