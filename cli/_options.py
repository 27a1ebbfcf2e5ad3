"""Options shared by several commands."""
import click

from bootstrap.embeddings import FORMATS


def embedding_options(func):
    """``--format`` and ``--max-vocab`` for commands that read embeddings."""
    func = click.option("--max-vocab", type=click.IntRange(min=1), default=None,
                        help="Read only the most frequent N words of each file.")(func)
    func = click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
                        help="Embedding file format (auto: by extension and header).")(func)
    return func


def device_option(func):
    return click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True,
                        help="Array backend: NumPy on the CPU, or CuPy on a GPU.")(func)


def load_pair(src_path, tgt_path, fmt, max_vocab):
    from bootstrap.embeddings import load_embeddings

    return (load_embeddings(src_path, fmt=fmt, max_vocab=max_vocab),
            load_embeddings(tgt_path, fmt=fmt, max_vocab=max_vocab))
