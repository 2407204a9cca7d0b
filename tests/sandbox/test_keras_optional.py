"""Keras as the fork server imports it: without pandas and scikit-learn, yet whole for a notebook using them."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from autograder.sandbox import forkserver

PROBE = textwrap.dedent("""
    import json, sys
    from autograder.sandbox import keras_optional

    with keras_optional.held_back() as held:
        import keras
        import tensorflow as tf
    keras_optional.restore(held)
    facts = {"held": list(held), "loaded": [m for m in ("pandas", "sklearn") if sys.modules.get(m) is not None]}
    from keras.src.trainers.data_adapters import array_slicing
    import numpy as np
    facts["array before pandas"] = type(array_slicing.convert_to_sliceable(np.zeros((2, 1)))).__name__
    facts["list before pandas"] = array_slicing.can_slice_array([1, 2])

    import pandas as pd  # a notebook's own import, after Keras
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0, 4.0], "b": [0.5, 0.5, 1.5, 1.5]})
    facts["frame slices as"] = type(array_slicing.convert_to_sliceable(frame)).__name__
    facts["series slices as"] = type(array_slicing.convert_to_sliceable(frame["a"])).__name__
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(loss="mse", optimizer="sgd")
    facts["fit on a DataFrame"] = len(model.fit(frame, frame["a"], epochs=1, verbose=0).history["loss"])

    from keras.wrappers import SKLearnRegressor  # builds the wrappers, importing scikit-learn
    import sklearn.base
    facts["wrapper bases"] = [issubclass(SKLearnRegressor, sklearn.base.BaseEstimator),
                              issubclass(keras.wrappers.SKLearnClassifier, sklearn.base.ClassifierMixin),
                              tf.keras.wrappers.SKLearnTransformer is keras.wrappers.SKLearnTransformer]
    print(json.dumps(facts))
""")


@pytest.mark.slow
def test_keras_without_pandas_and_sklearn_until_a_notebook_imports_them() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=600,
                          env={**forkserver.ENV, "HOME": "/tmp"})
    assert done.returncode == 0, done.stderr[-3000:]
    facts = json.loads(done.stdout.strip().splitlines()[-1])
    assert facts["held"] == ["pandas", "sklearn"]
    assert facts["loaded"] == []  # the cost the fork server no longer pays
    assert facts["array before pandas"] == "NumpySliceable"
    assert facts["list before pandas"] is False  # as in Keras that imported pandas: a list is no array type
    assert facts["frame slices as"] == "PandasDataFrameSliceable"  # as when pandas came with Keras
    assert facts["series slices as"] == "PandasSeriesSliceable"
    assert facts["fit on a DataFrame"] == 1
    assert facts["wrapper bases"] == [True, True, True]
