"""Parameter handling shared by the estimators, in scikit-learn's convention.

The constructor's keyword-only parameters are the estimator's parameters: :meth:`get_params`
reads them back (``deep=True`` adds those of nested estimators as ``outer__inner``),
:meth:`set_params` changes them, and learned state lives in attributes ending in ``_``. This is the
contract of ``sklearn.base.clone`` and of grid searches, so offramp's estimators work with them
without offramp importing scikit-learn.
"""
import inspect


class ParamsMixin:
    """``get_params`` / ``set_params`` / ``__repr__`` from the constructor's signature."""

    @classmethod
    def _param_names(cls):
        init = cls.__init__
        if init is object.__init__:
            return []
        return sorted(p.name for p in inspect.signature(init).parameters.values()
                      if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD))

    def get_params(self, deep=True):
        """The constructor parameters.

        Parameters
        ----------
        deep : bool
            Also return the parameters of nested estimators, as ``name__param``.

        Returns
        -------
        dict
            ``{name: value}``; learned ``*_`` attributes are never included.
        """
        out = {}
        for name in self._param_names():
            value = getattr(self, name)
            out[name] = value
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params(deep=True).items())
        return out

    def set_params(self, **params):
        """Set constructor parameters (``name__param`` reaches a nested estimator).

        Parameters
        ----------
        **params
            New values, validated when the estimator is next fitted.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            For a name that is not a parameter of this estimator.
        """
        valid = self._param_names()
        nested = {}
        for key, value in params.items():
            name, _, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"{type(self).__name__} has no parameter {name!r}; its parameters are {valid}")
            if sub:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params(deep=False).items())
        return f"{type(self).__name__}({args})"
