"""Embedding normalisation, as in VecMap: each step returns a new array, or with ``copy=False``
overwrites its input (for spaces too large to hold twice: two 2M-word fastText spaces are 4.8 GB).

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
from ._backend import check_vectors, get_namespace, writable
from ._base import ParamsMixin

STEPS = ("unit", "center", "unitdim", "none")
DEFAULT_NORMALIZE = ("unit", "center", "unit")


#: Rows whose norms are taken at a time: a norm over all rows at once squares a temporary copy of the
#: whole matrix.
NORM_ROWS = 1 << 16


def _safe(xp, norms):
    return xp.where(norms == 0, xp.ones_like(norms), norms)


def row_norms(X):
    """Euclidean length of every row, in blocks of :data:`NORM_ROWS` rows (no copy of ``X``).

    Parameters
    ----------
    X : ndarray of shape (n, dim)

    Returns
    -------
    ndarray of shape (n,), dtype of ``X``
    """
    xp = get_namespace(X)
    if X.shape[0] <= NORM_ROWS:
        return xp.linalg.norm(X, axis=1)
    return xp.concatenate([xp.linalg.norm(X[start:start + NORM_ROWS], axis=1)
                           for start in range(0, X.shape[0], NORM_ROWS)])


def unit(X, *, copy=True):
    """Rows scaled to unit length; zero rows stay zero.

    Parameters
    ----------
    X : ndarray of shape (n, dim)
    copy : bool, default True
        False: scale ``X`` itself (a writable floating array) and return it.

    Returns
    -------
    ndarray of shape (n, dim)
    """
    xp = get_namespace(X)
    norms = _safe(xp, row_norms(X))[:, None]
    if copy:
        return X / norms
    X /= norms
    return X


def center(X, *, copy=True):
    """Mean-centred ``X``: the mean row subtracted from every row.

    Parameters
    ----------
    X : ndarray of shape (n, dim)
    copy : bool, default True
        False: centre ``X`` itself (a writable floating array) and return it.

    Returns
    -------
    ndarray of shape (n, dim)
    """
    mean = X.mean(axis=0, keepdims=True)
    if copy:
        return X - mean
    X -= mean
    return X


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

    def fit_transform(self, X, *, copy=True):
        """Learn the per-step statistics from ``X`` and return ``X`` normalised with them.

        Parameters
        ----------
        X : ndarray of shape (n, dim)
        copy : bool, default True
            False: normalise ``X`` itself when it is a writable floating array (no second copy of a
            large space), and return it.

        Returns
        -------
        ndarray of shape (n, dim), same dtype as ``X`` (float32 for integer or float16 input)
        """
        given = X
        X = check_vectors(X)
        xp = get_namespace(X)
        inplace = not copy and X is given and writable(X)
        stats, out = [], X
        for step in check_steps(self.steps):
            owned = inplace or out is not X  # a step may overwrite an array this call made
            if step == "center":
                mean = out.mean(axis=0)
                stats.append(mean)
                if owned:
                    out -= mean[None, :]
                else:
                    out = out - mean[None, :]
            elif step == "unitdim":
                norms = _safe(xp, xp.linalg.norm(out, axis=0))
                stats.append(norms)
                out = out / norms[None, :]
            else:
                stats.append(None)
                out = unit(out, copy=not owned) if step == "unit" else out
        self.stats_ = stats
        if out is X and not inplace:
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
