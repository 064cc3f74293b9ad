from __future__ import annotations

import pytest

from slipway_training.errors import InvalidHyperparameter, MalformedArguments, UnknownHyperparameter
from slipway_training.hyperparameters import (SPECIFIC, Hyperparameters, InapplicableHyperparameter,
                                              from_argv, from_strings)
from slipway_training.tasks import ALGORITHMS


def test_no_arguments_give_xgboost_classification_with_its_defaults() -> None:
    hp = from_argv([])

    assert (hp.algorithm, hp.task, hp.target, hp.model_name) == (
        "xgboost", "classification", "target", "model")
    assert hp.as_dict() == {
        "algorithm": "xgboost", "alpha": 0.0, "categorical": "", "checkpoint_interval": 10,
        "colsample_bytree": 1.0, "early_stopping_rounds": 0, "eta": 0.3, "gamma": 0.0,
        "lambda": 1.0, "max_depth": 6, "min_child_weight": 1.0, "model_name": "model",
        "num_round": 100, "seed": 42, "subsample": 1.0, "target": "target",
        "task": "classification", "validation_fraction": 0.2}


def test_sagemaker_strings_become_typed_values() -> None:
    hp = from_argv(["--eta", "0.1", "--num_round", "20", "--target=species",
                    "--model_name", "iris-1", "--seed", "7", "--lambda", "2"])

    assert (hp.eta, hp.num_round, hp.target, hp.model_name, hp.seed, hp.reg_lambda) == (
        0.1, 20, "species", "iris-1", 7, 2.0)
    assert isinstance(hp.num_round, int) and isinstance(hp.eta, float)


def test_one_letter_keys_arrive_with_one_dash_as_the_toolkit_writes_them() -> None:
    hp = from_argv(["-C", "0.5", "--algorithm", "svm"])

    assert (hp.algorithm, hp.C) == ("svm", 0.5)


@pytest.mark.parametrize(("algorithm", "task"), [
    ("xgboost", "classification"), ("random_forest", "classification"), ("svr", "regression"),
    ("kmeans", "clustering"), ("pca_kmeans", "clustering"), ("pca", "dimensionality_reduction"),
    ("isolation_forest", "anomaly_detection")])
def test_the_task_defaults_to_the_algorithms_own(algorithm: str, task: str) -> None:
    assert from_strings({"algorithm": algorithm}).task == task


def test_every_algorithm_has_its_hyperparameter_list() -> None:
    assert set(SPECIFIC) == set(ALGORITHMS)


@pytest.mark.parametrize(("algorithm", "key", "value"), [
    ("xgboost", "max_depth", 6), ("decision_tree", "max_depth", None), ("ridge", "alpha", 1.0),
    ("xgboost", "alpha", 0.0), ("logistic_regression", "max_iter", 1000),
    ("kmeans", "max_iter", 300)])
def test_shared_keys_take_each_algorithms_own_default(algorithm: str, key: str,
                                                      value: object) -> None:
    assert Hyperparameters(algorithm=algorithm).value(key) == value


@pytest.mark.parametrize(("key", "value", "expected"), [
    ("num_round", "abc", "an integer >= 1"),
    ("num_round", "0", "an integer >= 1"),
    ("num_round", "1.5", "an integer >= 1"),
    ("max_depth", "0", "an integer >= 1"),
    ("eta", "0", "a number in (0, 1]"),
    ("eta", "nan", "a number in (0, 1]"),
    ("subsample", "1.5", "a number in (0, 1]"),
    ("colsample_bytree", "-0.1", "a number in (0, 1]"),
    ("min_child_weight", "-1", "a number >= 0"),
    ("early_stopping_rounds", "-1", "an integer >= 0 (0: off)"),
    ("seed", "-1", "an integer in [0, 2**31)"),
    ("validation_fraction", "1", "a number in (0, 1)"),
    ("target", " ", "a non-empty column name"),
    ("model_name", "my model", "1-63 letters, digits or hyphens"),
    ("task", "ranking", "one of ['classification', 'regression', 'clustering'"),
])
def test_a_bad_value_fails_naming_the_key(key: str, value: str, expected: str) -> None:
    with pytest.raises(InvalidHyperparameter) as caught:
        from_strings({key: value})

    assert caught.value.code == "InvalidHyperparameter"
    assert caught.value.key == key
    assert caught.value.message.startswith(f"hyperparameter {key!r} must be {expected}")
    assert caught.value.message.endswith(f"got {value!r}")


@pytest.mark.parametrize(("algorithm", "key", "value", "expected"), [
    ("svm", "kernel", "cubic", "one of ['rbf', 'linear', 'poly', 'sigmoid']"),
    ("kmeans", "n_clusters", "1", "an integer >= 2"),
    ("isolation_forest", "contamination", "0.7", "'auto' or a number in (0, 0.5]"),
    ("logistic_regression", "C", "0", "a number > 0"),
])
def test_family_values_are_checked_too(algorithm: str, key: str, value: str,
                                       expected: str) -> None:
    with pytest.raises(InvalidHyperparameter) as caught:
        from_strings({"algorithm": algorithm, key: value})

    assert caught.value.message == f"hyperparameter {key!r} must be {expected}, got {value!r}"


def test_a_task_the_algorithm_does_not_serve_is_refused() -> None:
    with pytest.raises(InvalidHyperparameter) as caught:
        from_strings({"algorithm": "kmeans", "task": "regression"})

    assert caught.value.message == ("hyperparameter 'task' must be one of ['clustering'] for "
                                    "algorithm 'kmeans', got 'regression'")


def test_a_key_of_another_algorithm_is_refused_listing_what_this_one_takes() -> None:
    with pytest.raises(InapplicableHyperparameter) as caught:
        from_strings({"algorithm": "ridge", "num_round": "10"})

    assert caught.value.code == "InapplicableHyperparameter"
    assert caught.value.key == "num_round"
    assert caught.value.message == (
        "hyperparameter 'num_round' does not apply to algorithm 'ridge'; it takes: algorithm, "
        "alpha, categorical, model_name, seed, target, task, validation_fraction")


def test_categorical_is_a_comma_separated_list_of_columns() -> None:
    hp = from_strings({"categorical": "color, size,,"})

    assert hp.categorical == ("color", "size")
    assert hp.as_dict()["categorical"] == "color,size"


def test_an_unknown_algorithm_fails_listing_the_known_ones() -> None:
    with pytest.raises(InvalidHyperparameter) as caught:
        from_strings({"algorithm": "lightgbm"})

    assert caught.value.message.startswith("hyperparameter 'algorithm' must be one of ['decision")
    assert "'xgboost']" in caught.value.message


def test_an_unknown_key_fails_listing_the_allowed_keys() -> None:
    with pytest.raises(UnknownHyperparameter) as caught:
        from_strings({"num_rounds": "10"})

    assert caught.value.code == "UnknownHyperparameter"
    assert caught.value.key == "num_rounds"
    assert "unknown hyperparameter 'num_rounds'; allowed: C, algorithm, alpha," \
        in caught.value.message
    assert "num_round," in caught.value.message


@pytest.mark.parametrize(("argv", "message"), [
    (["--num_round"], "hyperparameter 'num_round' has no value"),
    (["num_round", "10"], "expected '--key value', got 'num_round'"),
    (["--seed", "1", "--seed", "2"], "hyperparameter 'seed' is given twice"),
])
def test_malformed_arguments_are_refused(argv: list[str], message: str) -> None:
    with pytest.raises(MalformedArguments) as caught:
        from_argv(argv)

    assert caught.value.code == "MalformedArguments"
    assert caught.value.message == message
