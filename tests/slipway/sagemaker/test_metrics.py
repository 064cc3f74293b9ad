from __future__ import annotations

import pytest

from slipway.sagemaker import InvalidTrainingRequest, MetricCollector, compile_definitions

ACCURACY = {"Name": "validation:accuracy", "Regex": r"validation:accuracy=([-+0-9.eE]+)"}
LOGLOSS = {"Name": "validation:logloss", "Regex": r"validation:logloss=([-+0-9.eE]+)"}


def _refusal(definitions: list[dict[str, str]]) -> str:
    with pytest.raises(InvalidTrainingRequest) as caught:
        compile_definitions(definitions)
    assert caught.value.code == "ValidationException"
    return caught.value.message


def test_definitions_compile_in_order() -> None:
    compiled = compile_definitions([ACCURACY, LOGLOSS])

    assert [d.name for d in compiled] == ["validation:accuracy", "validation:logloss"]
    assert compiled[0].as_request() == ACCURACY


def test_more_than_twenty_definitions_are_refused() -> None:
    many = [{"Name": f"m{i}", "Regex": rf"m{i}=(\d+)"} for i in range(21)]

    assert _refusal(many) == "MetricDefinitions has 21 entries; at most 20 allowed"


def test_a_regex_longer_than_500_characters_is_refused() -> None:
    message = _refusal([{"Name": "long", "Regex": "(x)" + "y" * 498}])

    assert message == "MetricDefinitions[0].Regex for 'long' must be 1-500 characters, got 501"


@pytest.mark.parametrize(("regex", "groups"), [(r"accuracy=\d+", 0), (r"(a)=(\d+)", 2)])
def test_a_regex_needs_exactly_one_capture_group(regex: str, groups: int) -> None:
    message = _refusal([{"Name": "acc", "Regex": regex}])

    assert message == (f"MetricDefinitions[0].Regex for 'acc' must have exactly one capture "
                       f"group (the value), has {groups}")


def test_a_regex_that_does_not_compile_is_refused() -> None:
    assert _refusal([ACCURACY, {"Name": "bad", "Regex": "(["}]).startswith(
        "MetricDefinitions[1].Regex for 'bad' does not compile:")


@pytest.mark.parametrize("definition", [{"Name": "x"}, {"Name": "x", "Regex": "(x)", "Foo": "1"},
                                        {"Name": 1, "Regex": "(x)"}])
def test_a_definition_must_be_exactly_name_and_regex(definition: dict[str, str]) -> None:
    assert _refusal([definition]).startswith(
        "MetricDefinitions[0] must be {'Name': str, 'Regex': str}")


def test_repeated_names_are_refused() -> None:
    assert _refusal([ACCURACY, ACCURACY]) == (
        "MetricDefinitions names repeat: ['validation:accuracy']")


def test_the_last_value_wins_and_the_series_is_kept() -> None:
    collector = MetricCollector(compile_definitions([ACCURACY, LOGLOSS]))

    for line in ["[0] validation:accuracy=0.5", "noise", "validation:accuracy=0.75",
                 "validation:logloss=1e-3 validation:accuracy=0.9"]:
        collector.feed(line)

    assert collector.final() == {"validation:accuracy": 0.9, "validation:logloss": 0.001}
    assert collector.series == {"validation:accuracy": [0.5, 0.75, 0.9],
                                "validation:logloss": [0.001]}
    assert collector.unmatched() == ()


def test_a_capture_that_is_not_a_number_is_skipped() -> None:
    collector = MetricCollector(compile_definitions([{"Name": "acc", "Regex": r"acc=(\S+)"}]))

    collector.feed("acc=n/a")
    collector.feed("acc=0.25")
    collector.feed("acc=..")

    assert collector.series == {"acc": [0.25]}


def test_a_regex_that_matches_nothing_is_reported() -> None:
    typo = {"Name": "validation:auc", "Regex": r"validation-auc=([0-9.]+)"}
    collector = MetricCollector(compile_definitions([ACCURACY, typo]))

    collector.feed("validation:accuracy=0.9")
    collector.feed("validation:auc=0.99")

    assert collector.unmatched() == ("validation:auc",)
    assert collector.final() == {"validation:accuracy": 0.9}
