"""Keras without pandas and scikit-learn in the fork server, and whole again for a notebook that uses them.

Keras 3 imports pandas and scikit-learn at its own import whenever they are installed (they are: the
course's notebooks may import them), only to accept a DataFrame in ``fit`` and to offer its
scikit-learn wrappers. That costs the fork server about a second of CPU and 90 MB, shared by every
process it forks, and none of the grader's own programs use either. So the server imports Keras with
them :func:`held_back`, then :func:`restore` makes the two Keras features that needed them work as if
they had been there all along:

* ``array_slicing`` (what ``fit`` and ``predict`` slice their data with) checks for pandas types when
  asked, so a DataFrame is a DataFrame as soon as anything imported pandas;
* ``keras.wrappers.SKLearnClassifier`` and its siblings are built on first use, on scikit-learn's
  real base classes, which importing them then imports (as Keras' own import would have).

Nothing else in Keras or TensorFlow reads either package at import (``python -X importtime``: the
chains are ``keras.src.layers -> ... -> array_slicing -> pandas`` and ``keras.wrappers ->
keras.src.wrappers.fixes -> sklearn``).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import sys
from collections.abc import Iterator
from types import ModuleType
from typing import Any

HELD_BACK = ("pandas", "sklearn")
WRAPPERS = ("SKLearnClassifier", "SKLearnRegressor", "SKLearnTransformer")
WRAPPER_MODULES = ("keras.src.wrappers", "keras.wrappers", "keras._tf_keras.keras.wrappers")
"""Where Keras exports :data:`WRAPPERS` (``keras.wrappers`` and ``tf.keras.wrappers``)."""
WRAPPER_SOURCES = ("keras.src.wrappers.fixes", "keras.src.wrappers.utils", "keras.src.wrappers.sklearn_wrapper")
"""The modules that read scikit-learn when imported, in the order they import each other."""


@contextlib.contextmanager
def held_back() -> Iterator[tuple[str, ...]]:
    """Within: importing pandas or sklearn fails as if they were not installed; yields which were held back."""
    names = tuple(n for n in HELD_BACK if n not in sys.modules and importlib.util.find_spec(n) is not None)
    for name in names:
        sys.modules[name] = None  # type: ignore[assignment]  # the import system's "not importable" mark
    try:
        yield names
    finally:
        for name in names:
            if sys.modules.get(name, ...) is None:
                del sys.modules[name]


def restore(names: tuple[str, ...]) -> None:
    """Keras' pandas and scikit-learn features back, for the packages :func:`held_back` kept from it."""
    if "pandas" in names and "keras.src.trainers.data_adapters.array_slicing" in sys.modules:
        _pandas_when_imported(sys.modules["keras.src.trainers.data_adapters.array_slicing"])
    if "sklearn" in names and "keras.src.wrappers" in sys.modules:
        for name in WRAPPER_MODULES:
            if name in sys.modules:
                _wrappers_on_first_use(sys.modules[name])


class _PandasTypeMeta(type):
    def __instancecheck__(cls, value: object) -> bool:
        pandas = sys.modules.get("pandas")
        return pandas is not None and isinstance(value, (pandas.Series, pandas.DataFrame))


class _PandasType(metaclass=_PandasTypeMeta):
    """``isinstance(x, _PandasType)``: x is a pandas Series or DataFrame (never, before pandas is imported)."""


class _NotImported:
    """A pandas class before pandas is imported: nothing is an instance of it."""


class _PandasWhenImported:
    """Stands in for the ``pandas`` module Keras imported: pandas' own classes once anything imported it."""

    def __getattr__(self, name: str) -> Any:
        pandas = sys.modules.get("pandas")
        return _NotImported if pandas is None else getattr(pandas, name)


def _pandas_when_imported(array_slicing: ModuleType) -> None:
    # What Keras reads: ``pandas is not None and isinstance(x, pandas.DataFrame)``, and ``ARRAY_TYPES``.
    array_slicing.pandas = _PandasWhenImported()  # type: ignore[attr-defined]
    array_slicing.ARRAY_TYPES = (*array_slicing.ARRAY_TYPES, _PandasType)  # type: ignore[attr-defined]


def _wrappers_on_first_use(module: ModuleType) -> None:
    """The wrapper classes leave ``module``; its ``__getattr__`` builds them when first asked (PEP 562)."""
    for name in WRAPPERS:
        module.__dict__.pop(name, None)
    module.__dict__["__getattr__"] = _built_wrapper


def _built_wrapper(name: str) -> Any:
    if name not in WRAPPERS:
        raise AttributeError(name)
    for source in WRAPPER_SOURCES:
        sys.modules.pop(source, None)  # built without scikit-learn: import them again, with it
    built = importlib.import_module(WRAPPER_SOURCES[-1])
    for module_name in WRAPPER_MODULES:
        module = sys.modules.get(module_name)
        if module is not None:
            module.__dict__.pop("__getattr__", None)
            module.__dict__.update({wrapper: getattr(built, wrapper) for wrapper in WRAPPERS})
    return getattr(built, name)
