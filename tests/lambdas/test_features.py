from __future__ import annotations

import numpy as np
import pytest

from slipway_serving.features import RowEncoder
from slipway_serving.manifest import parse_manifest

from .artifacts import BuiltModel


@pytest.fixture(scope="module")
def manifest(binary_model: BuiltModel):
    return parse_manifest((binary_model.directory / "manifest.json").read_bytes())


def test_objects_and_arrays_give_the_same_float32_matrix(manifest, binary_model: BuiltModel) -> None:
    objects = binary_model.rows(3)
    arrays = [list(row.values()) for row in reversed(objects)]

    by_name = RowEncoder(manifest).convert(objects)
    by_order = RowEncoder(manifest).convert(arrays)

    assert by_name.errors == [] and by_name.valid == [0, 1, 2]
    assert by_name.matrix.dtype == np.float32 and by_name.matrix.shape == (3, 30)
    np.testing.assert_array_equal(by_name.matrix, by_order.matrix[::-1])
    np.testing.assert_array_equal(by_name.matrix, binary_model.X[:3])


def test_integers_are_numbers(manifest) -> None:
    assert RowEncoder(manifest).convert([[1] * 30]).errors == []


@pytest.mark.parametrize(("value", "says"), [
    ("1.5", "must be a number, got string"),
    (True, "must be a number, got boolean"),
    (None, "must not be null (this feature does not allow missing values)"),
    ([1.0], "must be a number, got array"),
    (float("nan"), "must be a finite number within float32 range, got nan"),
    (1e39, "must be a finite number within float32 range"),
    (10**400, "must be a finite number within float32 range"),
])
def test_a_wrong_value_names_row_and_feature(manifest, binary_model: BuiltModel, value: object, says: str) -> None:
    rows = binary_model.rows(4)
    rows[2]["mean radius"] = value

    conversion = RowEncoder(manifest).convert(rows)

    assert conversion.valid == [0, 1, 3] and conversion.matrix.shape == (3, 30)
    [error] = conversion.errors
    assert (error.row, error.field) == (2, "mean radius")
    assert error.message.startswith(f"row 2: feature 'mean radius' {says}")


def test_missing_unknown_and_misshapen_rows_are_each_reported(manifest, binary_model: BuiltModel) -> None:
    rows: list = binary_model.rows(5)
    del rows[0]["worst area"]
    rows[1]["colour"] = 3.0
    rows[2] = list(rows[2].values())[:29]
    rows[3] = "not a row"

    conversion = RowEncoder(manifest).convert(rows)

    assert conversion.valid == [4]
    assert [(e.row, e.field, e.message) for e in conversion.errors] == [
        (0, "worst area", "row 0: feature 'worst area' is missing"),
        (1, "colour", "row 1: feature 'colour' is not a feature of this model"),
        (2, None, "row 2: must have 30 values in feature order, got 29"),
        (3, None, "row 3: must be an object keyed by feature name or an array, got string"),
    ]


def test_category_features_are_encoded_as_their_index() -> None:
    import orjson

    manifest = parse_manifest(orjson.dumps({
        "schema_version": 1, "model_name": "m", "task": "classification", "algorithm": "xgboost",
        "features": [{"name": "x", "type": "number"},
                     {"name": "colour", "type": "category", "categories": ["red", "green"]}],
        "classes": [0, 1], "files": {"model.onnx": {"sha256": "0" * 64, "bytes": 1, "format": "onnx"}},
        "serving": {"format": "onnx", "file": "model.onnx", "input": "features", "outputs": {}}}))

    conversion = RowEncoder(manifest).convert([{"x": 1, "colour": "green"}, [2.5, "red"], {"x": 0, "colour": "blue"}])

    np.testing.assert_array_equal(conversion.matrix, np.array([[1, 1], [2.5, 0]], dtype=np.float32))
    assert conversion.errors[0].message == "row 2: feature 'colour' must be one of the model's categories, got 'blue'"


def _manifest(features: list[dict]) -> object:
    import orjson

    return parse_manifest(orjson.dumps({
        "schema_version": 1, "model_name": "m", "task": "regression", "algorithm": "ridge", "features": features,
        "files": {"model.onnx": {"sha256": "0" * 64, "bytes": 1, "format": "onnx"}},
        "serving": {"format": "onnx", "file": "model.onnx", "input": "features", "outputs": {"value": "v"}}}))


MIXED = [{"name": "x", "type": "number"},
         {"name": "w", "type": "number", "allow_missing": True},
         {"name": "colour", "type": "category", "categories": ["red", "green"], "allow_missing": True},
         {"name": "flag", "type": "category", "categories": [True, 1, "1"]}]


def test_null_is_nan_only_where_missing_values_are_allowed() -> None:
    manifest = _manifest(MIXED)
    rows = [{"x": 1, "w": None, "colour": None, "flag": True},
            [2, 3.5, "green", "1"],
            {"x": None, "w": 1, "colour": "red", "flag": 1}]

    conversion = RowEncoder(manifest).convert(rows)

    expected = np.array([[1, np.nan, np.nan, 0], [2, 3.5, 1, 2]], dtype=np.float32)
    np.testing.assert_array_equal(conversion.matrix, expected)
    assert conversion.valid == [0, 1]
    assert [e.message for e in conversion.errors] == [
        "row 2: feature 'x' must not be null (this feature does not allow missing values)"]


@pytest.mark.parametrize(("flag", "code"), [(True, 0), (1, 1), (1.0, 1), ("1", 2)])
def test_booleans_numbers_and_strings_are_distinct_categories(flag: object, code: int) -> None:
    conversion = RowEncoder(_manifest(MIXED)).convert([{"x": 0, "w": 0, "colour": "red", "flag": flag}])

    assert conversion.errors == [] and conversion.matrix[0, 3] == code


@pytest.mark.parametrize(("row", "message"), [
    ({"x": 0, "w": 0, "colour": "blue", "flag": 1}, "row 0: feature 'colour' must be one of the model's categories, got 'blue'"),
    ({"x": 0, "w": 0, "colour": ["red"], "flag": 1}, "row 0: feature 'colour' must be one of the model's categories, got ['red']"),
    ({"x": 0, "w": 0, "colour": "red", "flag": None},
     "row 0: feature 'flag' must not be null (this feature does not allow missing values)"),
    ({"x": 0, "w": float("inf"), "colour": "red", "flag": 1},
     "row 0: feature 'w' must be a finite number within float32 range, got inf"),
    ({"x": 0, "w": "1", "colour": "red", "flag": 1}, "row 0: feature 'w' must be a number, got string"),
])
def test_bad_cells_of_mixed_features_are_named(row: dict, message: str) -> None:
    conversion = RowEncoder(_manifest(MIXED)).convert([row])

    assert conversion.valid == [] and [e.message for e in conversion.errors] == [message]


def test_a_large_batch_keeps_input_order_with_errors_interleaved(manifest, binary_model: BuiltModel) -> None:
    rows: list = binary_model.rows(50) * 40
    for i in range(0, 2000, 97):
        rows[i] = dict(rows[i], **{"worst area": "x"})
    rows[1999] = list(rows[1999].values())

    conversion = RowEncoder(manifest).convert(rows)

    bad = set(range(0, 2000, 97))
    assert conversion.valid == [i for i in range(2000) if i not in bad]
    assert [e.row for e in conversion.errors] == sorted(bad)
    np.testing.assert_array_equal(conversion.matrix[-1], binary_model.X[1999 % 50])
