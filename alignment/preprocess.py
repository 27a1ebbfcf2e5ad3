"""Embedding normalisation, as in VecMap: each step returns a new array (inputs are never mutated).

Steps
-----
``unit``
    Scale every row to unit Euclidean length.
``center``
    Subtract the mean row (per-dimension mean centering).
``unitdim``
    Scale every column (dimension) to unit length.
``none``
    Identity.

The common recipe ``('unit', 'center', 'unit')`` (Artetxe et al., 2018) makes cosine an inner
product and removes the shared mean direction that hurts isomorphism.
"""
from ._backend import check_vectors, get_namespace
from ._base import ParamsMixin

STEPS = ("unit", "center", "unitdim", "none")
DEFAULT_NORMALIZE = ("unit", "center", "unit")


def _safe(xp, norms):
    return xp.where(norms == 0, xp.ones_like(norms), norms)


def unit(X):
    """Rows scaled to unit length; zero rows stay zero.

    Parameters
    ----------
    X : ndarray of shape (n, dim)

    Returns
    -------
    ndarray of shape (n, dim)
    """
    xp = get_namespace(X)
    return X / _safe(xp, xp.linalg.norm(X, axis=1))[:, None]


def center(X):
    """Mean-centred copy of ``X``: the mean row subtracted from every row.

    Parameters
    ----------
    X : ndarray of shape (n, dim)

    Returns
    -------
    ndarray of shape (n, dim)
    """
    return X - X.mean(axis=0, keepdims=True)


def unitdim(X):
    """Columns (dimensions) scaled to unit length; zero columns stay zero.

    Parameters
    ----------
    X : ndarray of shape (n, dim)

    Returns
    -------
    ndarray of shape (n, dim)
    """
    xp = get_namespace(X)
    return X / _safe(xp, xp.linalg.norm(X, axis=0))[None, :]


_FUNCS = {"unit": unit, "center": center, "unitdim": unitdim, "none": lambda X: X}


def check_steps(steps):
    """Validate a sequence of step names; a comma-separated string is accepted.

    Parameters
    ----------
    steps : str or sequence of {'unit', 'center', 'unitdim', 'none'}
        ``'unit,center,unit'`` or ``('unit', 'center', 'unit')``.

    Returns
    -------
    tuple of str

    Raises
    ------
    ValueError
        For an unknown step name.
    """
    if isinstance(steps, str):
        steps = tuple(s.strip() for s in steps.split(",") if s.strip())
    steps = tuple(steps)
    for step in steps:
        if step not in STEPS:
            raise ValueError(f"unknown normalisation step {step!r}; choose from {STEPS}")
    return steps


def normalize(X, steps=DEFAULT_NORMALIZE):
    """Apply normalisation ``steps`` in order and return a new array.

    Parameters
    ----------
    X : ndarray of shape (n, dim)
    steps : sequence of {'unit', 'center', 'unitdim', 'none'}

    Returns
    -------
    ndarray of shape (n, dim), same dtype as ``X`` (float32 for integer or float16 input)
    """
    X = check_vectors(X)
    out = X
    for step in check_steps(steps):
        out = _FUNCS[step](out)
    if out is X:
        out = X.copy()
    return out.astype(X.dtype, copy=False)


class Normalizer(ParamsMixin):
    """Normalisation as an estimator, so that new vectors get the *same* transform.

    ``center`` subtracts the mean learned in :meth:`fit` and ``unitdim`` divides by the learned
    column norms, which is what mapping out-of-vocabulary vectors (e.g. fastText subwords)
    into an aligned space needs.

    Parameters
    ----------
    steps : sequence of {'unit', 'center', 'unitdim', 'none'}

    Attributes
    ----------
    stats_ : list
        One entry per step: the mean (dim,) for ``center``, the column norms (dim,) for
        ``unitdim``, ``None`` otherwise.
    """

    def __init__(self, *, steps=DEFAULT_NORMALIZE):
        self.steps = steps

    def fit(self, X):
        """Learn the per-step statistics.

        Parameters
        ----------
        X : ndarray of shape (n, dim)

        Returns
        -------
        self
        """
        self.fit_transform(X)
        return self

    def fit_transform(self, X):
        """Learn the per-step statistics from ``X`` and return ``X`` normalised with them.

        Parameters
        ----------
        X : ndarray of shape (n, dim)

        Returns
        -------
        ndarray of shape (n, dim), same dtype as ``X`` (float32 for integer or float16 input)
        """
        X = check_vectors(X)
        xp = get_namespace(X)
        stats, out = [], X
        for step in check_steps(self.steps):
            if step == "center":
                mean = out.mean(axis=0)
                stats.append(mean)
                out = out - mean[None, :]
            elif step == "unitdim":
                norms = _safe(xp, xp.linalg.norm(out, axis=0))
                stats.append(norms)
                out = out / norms[None, :]
            else:
                stats.append(None)
                out = _FUNCS[step](out)
        self.stats_ = stats
        if out is X:
            out = X.copy()
        return out.astype(X.dtype, copy=False)

    def transform(self, X):
        """Apply the learned transform (the statistics of :meth:`fit`, not those of ``X``).

        Parameters
        ----------
        X : ndarray of shape (n, dim)

        Returns
        -------
        ndarray of shape (n, dim), same dtype as ``X`` (float32 for integer or float16 input)
        """
        if not hasattr(self, "stats_"):
            raise ValueError("Normalizer is not fitted; call fit(X) first")
        X = check_vectors(X)
        dims = [stat.shape[0] for stat in self.stats_ if stat is not None]
        if dims and X.shape[1] != dims[0]:
            raise ValueError(f"X has {X.shape[1]} dimensions; this Normalizer was fitted on {dims[0]}")
        out = X
        for step, stat in zip(check_steps(self.steps), self.stats_):
            if step == "center":
                out = out - stat[None, :].astype(X.dtype)
            elif step == "unitdim":
                out = out / stat[None, :].astype(X.dtype)
            else:
                out = _FUNCS[step](out)
        if out is X:
            out = X.copy()
        return out.astype(X.dtype, copy=False)
