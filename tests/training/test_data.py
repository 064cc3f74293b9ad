from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slipway_training import data, reading
from slipway_training.errors import (InconsistentColumns, InvalidData, InvalidFeatures,
                                     InvalidLabels, InvalidSplit, MissingTargetColumn,
                                     NoTrainingData)
from slipway_training.hyperparameters import Hyperparameters

from .datasets import IRIS_CLASSES, iris_frame, write_csv, write_parquet


def _frame(labels: list[object], **columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame({**columns, "target": labels})


def _load(train: Path, validation: Path | None = None, **hp: object) -> data.Dataset:
    return data.load(train, validation, Hyperparameters(**{"validation_fraction": 0.5, **hp}))


def test_csv_and_parquet_files_are_read_in_name_order(tmp_path: Path) -> None:
    write_csv(_frame([1, 0], x=[3.0, 4.0]), tmp_path / "part-b.csv")
    write_parquet(_frame([0, 1], x=[1.0, 2.0]), tmp_path / "nested" / "part-a.parquet")
    write_csv(_frame([0, 1], x=[9.0, 9.0]), tmp_path / "a.csv")
    (tmp_path / "notes.txt").write_text("not data")

    table = reading.read_channel(tmp_path, target="target", require_target=True)

    assert [p.relative_to(tmp_path).as_posix() for p in table.files] == [
        "a.csv", "nested/part-a.parquet", "part-b.csv"]
    assert table.frame["x"].tolist() == [9.0, 9.0, 1.0, 2.0, 3.0, 4.0]
    assert table.formats == ("csv", "parquet")
    assert table.where(1) == f"{tmp_path / 'a.csv'} line 3"
    assert table.where(3) == f"{tmp_path / 'nested' / 'part-a.parquet'} row 2"


def test_fingerprint_is_sha256_over_the_file_bytes_in_name_order(tmp_path: Path) -> None:
    first = write_csv(_frame([0], x=[1.0]), tmp_path / "a.csv")
    second = write_parquet(_frame([1], x=[2.0]), tmp_path / "b.parquet")
    expected = hashlib.sha256(first.read_bytes() + second.read_bytes()).hexdigest()

    assert reading.fingerprint(reading.data_files(tmp_path)) == f"sha256:{expected}"


def test_a_missing_target_column_names_the_file_the_column_and_what_is_there(
        tmp_path: Path) -> None:
    path = write_csv(pd.DataFrame({"age": [1], "label": [0]}), tmp_path / "train.csv")

    with pytest.raises(MissingTargetColumn) as caught:
        _load(tmp_path)

    assert caught.value.code == "MissingTargetColumn"
    assert caught.value.message == (
        f"target column 'target' is not in {path}; available columns: 'age', 'label'")


def test_a_channel_without_data_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data.json").write_text("{}")

    with pytest.raises(NoTrainingData) as caught:
        _load(tmp_path)

    assert caught.value.message == f"no .csv or .parquet files in channel directory {tmp_path}"


def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")

    with pytest.raises(InvalidData) as caught:
        _load(tmp_path)

    assert caught.value.message.startswith(f"{tmp_path / 'broken.parquet'} cannot be read: ")


def test_files_with_different_columns_are_refused(tmp_path: Path) -> None:
    write_csv(_frame([0], x=[1.0]), tmp_path / "a.csv")
    write_csv(_frame([1], y=[1.0]), tmp_path / "b.csv")

    with pytest.raises(InconsistentColumns) as caught:
        _load(tmp_path)

    assert "b.csv has columns ['y', 'target']" in caught.value.message


def test_text_columns_become_categories_with_sorted_values_and_missing_allowed(
        tmp_path: Path) -> None:
    write_csv(_frame([0, 1, 0, 1], x=[1.0, None, 3.0, 4.0], city=["b", "a", None, "b"],
                     flag=[True, False, True, True]), tmp_path / "a.csv")

    dataset = _load(tmp_path)

    assert [f.manifest() for f in dataset.schema.features] == [
        {"name": "x", "type": "number", "allow_missing": True},
        {"name": "city", "type": "category", "categories": ["a", "b"], "allow_missing": True},
        {"name": "flag", "type": "category", "categories": [False, True],
         "allow_missing": False}]
    everything = np.vstack([dataset.x_train, dataset.x_valid])
    assert sorted(map(str, everything[:, 1].tolist())) == ["0.0", "1.0", "1.0", "nan"]


def test_a_numeric_column_named_categorical_becomes_a_category_of_numbers(
        tmp_path: Path) -> None:
    write_csv(_frame([0, 1, 0, 1], zip_code=[75001, 10115, 75001, 10115]), tmp_path / "a.csv")

    dataset = _load(tmp_path, categorical=("zip_code",))

    assert dataset.schema.features[0].manifest() == {
        "name": "zip_code", "type": "category", "categories": [10115, 75001],
        "allow_missing": False}


def test_categorical_must_name_feature_columns(tmp_path: Path) -> None:
    write_csv(_frame([0, 1], x=[1.0, 2.0]), tmp_path / "a.csv")

    with pytest.raises(InvalidFeatures) as caught:
        _load(tmp_path, categorical=("colour",))

    assert caught.value.message.startswith("'categorical' names ['colour'], which are not "
                                           f"feature columns of {tmp_path / 'a.csv'}")


def test_a_stray_text_value_in_a_number_column_is_named_by_file_column_and_line(
        tmp_path: Path) -> None:
    write_csv(_frame([0, 1, 0], x=[1.0, 2.0, 3.0]), tmp_path / "a.csv")
    path = tmp_path / "b.csv"
    path.write_text("x,target\n4.0,1\nfour,0\n")

    with pytest.raises(InvalidData) as caught:
        _load(tmp_path)

    assert caught.value.code == "InvalidData"
    assert caught.value.message.startswith(f"column 'x' at {path} line 3 holds 'four' where its "
                                           "other values are numbers")


def test_a_validation_value_outside_the_train_categories_is_named(tmp_path: Path) -> None:
    write_csv(_frame([0, 1], city=["a", "b"]), tmp_path / "train" / "a.csv")
    path = write_csv(_frame([0, 1], city=["a", "c"]), tmp_path / "validation" / "v.csv")

    with pytest.raises(InvalidData) as caught:
        _load(tmp_path / "train", tmp_path / "validation")

    assert caught.value.message == (f"column 'city' at {path} line 3 holds 'c', a category the "
                                    "train channel does not have; known: ['a', 'b']")


@pytest.mark.parametrize(("labels", "message"), [
    ([0.5, 1.0], "holds non-integer numbers (first: 0.5 at {path} line 2)"),
    ([1, None], "has 1 empty value(s), the first at {path} line 3"),
    (["a", "a"], "has a single class ['a']"),
])
def test_labels_that_cannot_be_classes_are_refused(
        tmp_path: Path, labels: list[object], message: str) -> None:
    path = write_csv(_frame(labels, x=[1.0, 2.0]), tmp_path / "a.csv")

    with pytest.raises(InvalidLabels) as caught:
        _load(tmp_path)

    assert message.format(path=path) in caught.value.message
    assert "'target'" in caught.value.message


def test_a_regression_target_must_be_numbers(tmp_path: Path) -> None:
    path = write_csv(_frame([1.5, "high", 2.0], x=[1, 2, 3]), tmp_path / "a.csv")

    with pytest.raises(InvalidLabels) as caught:
        _load(tmp_path, algorithm="ridge")

    assert caught.value.message == (f"target column 'target' holds 'high' at {path} line 3; "
                                    "regression needs numbers")


def test_unsupervised_tasks_ignore_the_target_column_and_keep_no_labels(tmp_path: Path) -> None:
    write_csv(iris_frame(), tmp_path / "iris.csv")

    dataset = _load(tmp_path, algorithm="kmeans")

    assert "target" not in dataset.feature_names
    assert (dataset.y_train, dataset.classes, len(dataset.x_valid)) == (None, None, 75)


def test_string_labels_are_sorted_classes_and_encoded_as_indices(tmp_path: Path) -> None:
    write_csv(iris_frame(), tmp_path / "iris.csv")

    dataset = _load(tmp_path)

    assert dataset.classes == tuple(IRIS_CLASSES)
    assert dataset.feature_names[0] == "sepal length (cm)"
    assert dataset.x_train.dtype == np.float32
    assert set(dataset.y_train.tolist()) == {0, 1, 2}


def test_the_split_is_seeded_and_stratified(tmp_path: Path) -> None:
    write_csv(iris_frame(), tmp_path / "iris.csv")

    first = _load(tmp_path, validation_fraction=0.2)
    again = _load(tmp_path, validation_fraction=0.2)
    other = _load(tmp_path, validation_fraction=0.2, seed=43)

    assert (len(first.y_train), len(first.y_valid), first.rows) == (120, 30, 150)
    assert np.bincount(first.y_valid).tolist() == [10, 10, 10]
    assert np.array_equal(first.x_valid, again.x_valid)
    assert not np.array_equal(first.x_valid, other.x_valid)


def test_a_validation_channel_replaces_the_split(tmp_path: Path) -> None:
    frame = iris_frame()
    write_csv(frame.iloc[::2], tmp_path / "train" / "a.csv")
    # Columns in another order, and Parquet: features are matched by name, not position
    write_parquet(frame.iloc[1::2, ::-1], tmp_path / "validation" / "b.parquet")

    dataset = _load(tmp_path / "train", tmp_path / "validation")

    assert (len(dataset.y_train), len(dataset.y_valid)) == (75, 75)
    assert np.array_equal(dataset.x_valid, frame.iloc[1::2, :4].to_numpy(dtype=np.float32))


def test_a_validation_label_unseen_in_training_is_refused(tmp_path: Path) -> None:
    write_csv(_frame(["a", "b"], x=[1, 2]), tmp_path / "train" / "a.csv")
    path = write_csv(_frame(["c"], x=[3]), tmp_path / "validation" / "a.csv")

    with pytest.raises(InvalidLabels) as caught:
        _load(tmp_path / "train", tmp_path / "validation")

    assert caught.value.message == ("target column 'target' holds label(s) 'c' that do not "
                                    f"occur in the train channel (first at {path} line 2)")


def test_too_few_rows_to_hold_out_every_class_is_refused(tmp_path: Path) -> None:
    write_csv(_frame([0, 1, 1], x=[1, 2, 3]), tmp_path / "a.csv")

    with pytest.raises(InvalidSplit) as caught:
        _load(tmp_path, validation_fraction=0.2)

    assert caught.value.code == "InvalidSplit"
    assert "validation_fraction=0.2 of 3 rows stratified by class" in caught.value.message
