from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from slipway_training import data
from slipway_training.errors import (InconsistentColumns, InvalidFeatures, InvalidLabels,
                                     InvalidSplit, MissingTargetColumn, NoTrainingData)

from .datasets import IRIS_CLASSES, iris_frame, write_csv


def _frame(labels: list[object], **columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame({**columns, "target": labels})


def test_every_csv_in_the_channel_is_read_in_name_order(tmp_path: Path) -> None:
    write_csv(_frame([1, 0], x=[3.0, 4.0]), tmp_path / "part-b.csv")
    write_csv(_frame([0, 1], x=[1.0, 2.0]), tmp_path / "nested" / "part-a.csv")
    write_csv(_frame([0, 1], x=[9.0, 9.0]), tmp_path / "a.csv")
    (tmp_path / "notes.txt").write_text("not data")

    table = data.read_channel(tmp_path, "target")

    assert [p.relative_to(tmp_path).as_posix() for p in table.files] == [
        "a.csv", "nested/part-a.csv", "part-b.csv"]
    assert table.features["x"].tolist() == [9.0, 9.0, 1.0, 2.0, 3.0, 4.0]
    assert table.labels == [0, 1, 0, 1, 1, 0]


def test_fingerprint_is_sha256_over_the_file_bytes_in_name_order(tmp_path: Path) -> None:
    first = write_csv(_frame([0], x=[1.0]), tmp_path / "a.csv")
    second = write_csv(_frame([1], x=[2.0]), tmp_path / "b.csv")
    expected = hashlib.sha256(first.read_bytes() + second.read_bytes()).hexdigest()

    assert data.fingerprint(data.csv_files(tmp_path)) == f"sha256:{expected}"

    write_csv(_frame([1], x=[2.5]), second)
    assert data.fingerprint(data.csv_files(tmp_path)) != f"sha256:{expected}"


def test_a_missing_target_column_names_the_file_the_column_and_what_is_there(
        tmp_path: Path) -> None:
    path = write_csv(pd.DataFrame({"age": [1], "label": [0]}), tmp_path / "train.csv")

    with pytest.raises(MissingTargetColumn) as caught:
        data.read_channel(tmp_path, "target")

    assert caught.value.code == "MissingTargetColumn"
    assert caught.value.message == (
        f"target column 'target' is not in {path}; available columns: 'age', 'label'")


def test_a_channel_without_csv_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "data.parquet").write_bytes(b"")

    with pytest.raises(NoTrainingData) as caught:
        data.read_channel(tmp_path, "target")

    assert caught.value.message == f"no .csv files in channel directory {tmp_path}"


def test_files_with_different_columns_are_refused(tmp_path: Path) -> None:
    write_csv(_frame([0], x=[1.0]), tmp_path / "a.csv")
    write_csv(_frame([1], y=[1.0]), tmp_path / "b.csv")

    with pytest.raises(InconsistentColumns) as caught:
        data.read_channel(tmp_path, "target")

    assert "b.csv has columns ['y', 'target']" in caught.value.message


def test_a_text_feature_is_refused_by_name(tmp_path: Path) -> None:
    write_csv(_frame([0, 1], x=[1.0, 2.0], city=["a", "b"]), tmp_path / "a.csv")

    with pytest.raises(InvalidFeatures) as caught:
        data.load(tmp_path, None, "target", 0.5, 0)

    assert caught.value.message == f"feature column(s) ['city'] in {tmp_path} are not numeric"


@pytest.mark.parametrize(("labels", "message"), [
    ([0.5, 1.0], "holds non-integer numbers"),
    ([1, None], "has 1 empty value(s)"),
    (["a", "a"], "has a single class ['a']"),
])
def test_labels_that_cannot_be_classes_are_refused(
        tmp_path: Path, labels: list[object], message: str) -> None:
    write_csv(_frame(labels, x=[1.0, 2.0]), tmp_path / "a.csv")

    with pytest.raises(InvalidLabels) as caught:
        data.load(tmp_path, None, "target", 0.5, 0)

    assert message in caught.value.message
    assert "'target'" in caught.value.message


def test_whole_float_labels_become_integer_classes(tmp_path: Path) -> None:
    write_csv(_frame([0.0, 1.0, 1.0, 0.0], x=[1, 2, 3, 4]), tmp_path / "a.csv")

    dataset = data.load(tmp_path, None, "target", 0.5, 0)

    assert dataset.classes == (0, 1)
    assert all(type(label) is int for label in dataset.classes)


def test_string_labels_are_sorted_classes_and_encoded_as_indices(tmp_path: Path) -> None:
    write_csv(iris_frame(), tmp_path / "iris.csv")

    dataset = data.load(tmp_path, None, "target", 0.2, 42)

    assert dataset.classes == tuple(IRIS_CLASSES)
    assert dataset.feature_names[0] == "sepal length (cm)"
    assert dataset.x_train.dtype == np.float32
    assert set(dataset.y_train.tolist()) == {0, 1, 2}


def test_the_split_is_seeded_and_stratified(tmp_path: Path) -> None:
    write_csv(iris_frame(), tmp_path / "iris.csv")

    first = data.load(tmp_path, None, "target", 0.2, 42)
    again = data.load(tmp_path, None, "target", 0.2, 42)
    other = data.load(tmp_path, None, "target", 0.2, 43)

    assert (len(first.y_train), len(first.y_valid), first.rows) == (120, 30, 150)
    assert np.bincount(first.y_valid).tolist() == [10, 10, 10]
    assert np.array_equal(first.x_valid, again.x_valid)
    assert not np.array_equal(first.x_valid, other.x_valid)


def test_a_validation_channel_replaces_the_split(tmp_path: Path) -> None:
    frame = iris_frame()
    write_csv(frame.iloc[::2], tmp_path / "train" / "a.csv")
    # Columns in another order: features are matched by name, not position
    write_csv(frame.iloc[1::2, ::-1], tmp_path / "validation" / "b.csv")

    dataset = data.load(tmp_path / "train", tmp_path / "validation", "target", 0.2, 42)

    assert (len(dataset.y_train), len(dataset.y_valid)) == (75, 75)
    assert np.array_equal(dataset.x_valid, frame.iloc[1::2, :4].to_numpy(dtype=np.float32))


def test_a_validation_label_unseen_in_training_is_refused(tmp_path: Path) -> None:
    write_csv(_frame(["a", "b"], x=[1, 2]), tmp_path / "train" / "a.csv")
    write_csv(_frame(["c"], x=[3]), tmp_path / "validation" / "a.csv")

    with pytest.raises(InvalidLabels) as caught:
        data.load(tmp_path / "train", tmp_path / "validation", "target", 0.2, 42)

    assert "labels ['c']" in caught.value.message
    assert "do not occur in the train channel" in caught.value.message


def test_too_few_rows_to_hold_out_every_class_is_refused(tmp_path: Path) -> None:
    write_csv(_frame([0, 1, 1], x=[1, 2, 3]), tmp_path / "a.csv")

    with pytest.raises(InvalidSplit) as caught:
        data.load(tmp_path, None, "target", 0.2, 42)

    assert caught.value.code == "InvalidSplit"
    assert "validation_fraction=0.2 of 3 rows" in caught.value.message
