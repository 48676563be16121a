"""scikit-learn's estimator contract without importing scikit-learn.

``sklearn.base`` pulls in ``sklearn.utils`` and through it ``scipy.stats``: ~0.65 s of CPU on
every start, the largest part of a small ``classify`` (issue #17), though a fitted model's
prediction needs only numpy and scipy.sparse. ``Estimator`` implements what scikit-learn
asks of an estimator (parameters read from ``__init__``'s signature by ``get_params``,
``set_params`` with ``component__param`` keys, a changed-parameters-only ``repr``,
``__sklearn_tags__``), so ``clone``, grid searches and ``sklearn.utils.estimator_checks`` work
as with ``sklearn.base.BaseEstimator`` (``tests/test_model.py`` runs those checks and compares
with a ``BaseEstimator`` twin). scikit-learn itself is imported only by the methods that hand
it scikit-learn objects or need its printers: the tags, ``repr`` and the notebook diagram (drawn
by scikit-learn for a ``BaseEstimator`` twin, so they match exactly), the not-fitted error. Not
provided: metadata routing's ``set_fit_request`` / ``get_metadata_routing`` (opt-in, unused here).
"""

from __future__ import annotations

import inspect
from collections import defaultdict

_NOT_FITTED = (
    "This {name} instance is not fitted yet. Call 'fit' with appropriate arguments before using this estimator."
)


class Estimator:
    """Base class of the project's estimators: scikit-learn's ``BaseEstimator`` API, imported lazily.

    >>> class Scaler(Estimator):
    ...     def __init__(self, factor=1.0, *, name="x"):
    ...         self.factor = factor
    ...         self.name = name
    >>> s = Scaler(factor=2.0)
    >>> s
    Scaler(factor=2.0)
    >>> sorted(s.get_params().items())
    [('factor', 2.0), ('name', 'x')]
    >>> s.set_params(name="y").name
    'y'
    >>> s.set_params(size=3)
    Traceback (most recent call last):
    ...
    ValueError: Invalid parameter 'size' for estimator Scaler(factor=2.0, name='y'). Valid parameters are: ['factor', 'name'].
    """

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """The ``__init__`` parameters, sorted (scikit-learn's rule: no ``*args``)."""
        init = cls.__init__
        if init is object.__init__:
            return []
        signature = inspect.signature(init)
        parameters = [p for p in signature.parameters.values() if p.name != "self" and p.kind != p.VAR_KEYWORD]
        if any(p.kind == p.VAR_POSITIONAL for p in parameters):
            raise RuntimeError(
                "scikit-learn estimators should always specify their parameters in the signature of their "
                f"__init__ (no varargs). {cls} with constructor {signature} doesn't follow this convention."
            )
        return sorted(p.name for p in parameters)

    def get_params(self, deep: bool = True) -> dict:
        """Parameter names mapped to their values; with ``deep``, sub-estimators' as ``name__param`` too."""
        out: dict = {}
        for key in self._get_param_names():
            value = getattr(self, key)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{key}__{k}", v) for k, v in value.get_params().items())
            out[key] = value
        return out

    def set_params(self, **params):
        """Set parameters (``component__param`` for a sub-estimator's); returns ``self``."""
        if not params:
            return self
        valid = self.get_params(deep=True)
        nested: dict[str, dict] = defaultdict(dict)
        for key, value in params.items():
            key, delim, sub_key = key.partition("__")
            if key not in valid:
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator {self}. "
                    f"Valid parameters are: {self._get_param_names()!r}."
                )
            if delim:
                nested[key][sub_key] = value
            else:
                setattr(self, key, value)
                valid[key] = value
        for key, sub_params in nested.items():
            valid[key].set_params(**sub_params)
        return self

    def __setstate__(self, state: dict) -> None:
        # model files and pickles restore through here (scikit-learn's behaviour for classes outside sklearn)
        vars(self).update(state)

    def __sklearn_tags__(self):
        """``sklearn.utils.Tags`` with scikit-learn's defaults; subclasses adjust them."""
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type=None, target_tags=TargetTags(required=False), transformer_tags=None,
                    regressor_tags=None, classifier_tags=None)

    def __repr__(self, N_CHAR_MAX: int = 700) -> str:
        return self._sklearn_twin().__repr__(N_CHAR_MAX)

    def _repr_html_(self) -> str:
        """The estimator diagram notebooks show (scikit-learn's)."""
        return self._sklearn_twin()._repr_html_()

    def _sklearn_twin(self):
        """This estimator as an instance of a ``BaseEstimator`` subclass with the same name and ``__init__``.

        What scikit-learn's printers are given: they recognise estimators by their base class,
        and layout, changed-only parameters and cut-offs then come out exactly as scikit-learn's.
        Only displays build one, so only they import scikit-learn.
        """
        twin = object.__new__(_twin_class(type(self)))
        vars(twin).update(vars(self))
        return twin


_TWINS: dict[type, type] = {}


def _twin_class(cls: type) -> type:
    if cls not in _TWINS:
        from sklearn.base import BaseEstimator

        _TWINS[cls] = type(cls.__name__, (BaseEstimator,), {"__init__": cls.__init__, "__module__": cls.__module__,
                                                            "__doc__": cls.__doc__})
    return _TWINS[cls]


def check_is_fitted(estimator, attributes: str) -> None:
    """Raise scikit-learn's ``NotFittedError`` unless ``estimator`` has the fitted attribute ``attributes``.

    >>> class Model(Estimator):
    ...     def fit(self, X, y=None):
    ...         self.coef_ = 1
    ...         return self
    >>> check_is_fitted(Model().fit([1]), "coef_")
    >>> check_is_fitted(Model(), "coef_")
    Traceback (most recent call last):
    ...
    sklearn.exceptions.NotFittedError: This Model instance is not fitted yet. Call 'fit' with appropriate arguments before using this estimator.
    """
    if not hasattr(estimator, attributes):
        from sklearn.exceptions import NotFittedError  # only on the error path: importing sklearn costs ~0.65 s

        raise NotFittedError(_NOT_FITTED.format(name=type(estimator).__name__))
