from __future__ import annotations

import pytest

from slipway_training.errors import InvalidHyperparameter, MalformedArguments, UnknownHyperparameter
from slipway_training.hyperparameters import Hyperparameters, from_argv, from_strings


def test_no_arguments_give_the_documented_defaults() -> None:
    hp = from_argv([])

    assert hp == Hyperparameters(
        target="target", model_name="model", algorithm="xgboost", num_round=100, max_depth=6,
        eta=0.3, subsample=1.0, colsample_bytree=1.0, min_child_weight=1.0, seed=42,
        validation_fraction=0.2)


def test_sagemaker_strings_become_typed_values() -> None:
    hp = from_argv(["--eta", "0.1", "--num_round", "20", "--target=species",
                    "--model_name", "iris-1", "--seed", "7"])

    assert (hp.eta, hp.num_round, hp.target, hp.model_name, hp.seed) == (
        0.1, 20, "species", "iris-1", 7)
    assert isinstance(hp.num_round, int) and isinstance(hp.eta, float)


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
    ("seed", "-1", "an integer in [0, 2**31)"),
    ("validation_fraction", "1", "a number in (0, 1)"),
    ("target", " ", "a non-empty column name"),
    ("model_name", "my model", "1-63 letters, digits or hyphens"),
])
def test_a_bad_value_fails_naming_the_key(key: str, value: str, expected: str) -> None:
    with pytest.raises(InvalidHyperparameter) as caught:
        from_strings({key: value})

    assert caught.value.code == "InvalidHyperparameter"
    assert caught.value.key == key
    assert caught.value.message.startswith(f"hyperparameter {key!r} must be {expected}")
    assert caught.value.message.endswith(f"got {value!r}")


def test_another_algorithm_fails_listing_the_allowed_ones() -> None:
    with pytest.raises(InvalidHyperparameter) as caught:
        from_strings({"algorithm": "lightgbm"})

    assert caught.value.message == (
        "hyperparameter 'algorithm' must be one of ['xgboost'], got 'lightgbm'")


def test_an_unknown_key_fails_listing_the_allowed_keys() -> None:
    with pytest.raises(UnknownHyperparameter) as caught:
        from_strings({"num_rounds": "10"})

    assert caught.value.code == "UnknownHyperparameter"
    assert caught.value.key == "num_rounds"
    assert "unknown hyperparameter 'num_rounds'; allowed: algorithm, colsample_bytree" \
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
