"""Event filtering rules, from "Control which events Lambda sends to your function"
https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (filter rule syntax table)."""
from __future__ import annotations

import orjson
import pytest

from slipway.local.sources.filters import FilterCriteria, FilterError


def _admits(pattern: dict, record: dict) -> bool:
    return FilterCriteria.from_api({"Filters": [{"Pattern": orjson.dumps(pattern).decode()}]}).admits(record)


@pytest.mark.parametrize(("pattern", "record", "admitted"), [
    ({"body": {"kind": ["score"]}}, {"body": {"kind": "score"}}, True),
    ({"body": {"kind": ["score"]}}, {"body": {"kind": "other"}}, False),
    ({"body": {"n": [{"numeric": [">", 0, "<=", 5]}]}}, {"body": {"n": 5}}, True),
    ({"body": {"n": [{"numeric": [">", 0, "<=", 5]}]}}, {"body": {"n": 6}}, False),
    ({"body": {"name": [{"prefix": "pre"}]}}, {"body": {"name": "prefix"}}, True),
    ({"body": {"name": [{"suffix": ".csv"}]}}, {"body": {"name": "a.json"}}, False),
    ({"body": {"name": [{"equals-ignore-case": "ABC"}]}}, {"body": {"name": "abc"}}, True),
    ({"body": {"state": [{"anything-but": ["bad"]}]}}, {"body": {"state": "good"}}, True),
    ({"body": {"state": [{"anything-but": ["bad"]}]}}, {"body": {"state": "bad"}}, False),
    ({"body": {"tag": [{"exists": True}]}}, {"body": {"other": 1}}, False),
    ({"body": {"tag": [{"exists": False}]}}, {"body": {"other": 1}}, True),
    ({"body": {"tags": ["b"]}}, {"body": {"tags": ["a", "b"]}}, True),  # any element of an array
    ({"body": {"kind": ["score"]}}, {"body": "not json"}, False),
    ({"partitionKey": ["k1"]}, {"partitionKey": "k1", "data": "x"}, True),
])
def test_filter_rules(pattern, record, admitted):
    assert _admits(pattern, record) is admitted


def test_filters_are_or_ed_and_no_filter_admits_everything():
    criteria = FilterCriteria.from_api({"Filters": [{"Pattern": '{"a": [1]}'}, {"Pattern": '{"b": [2]}'}]})

    assert [criteria.admits(r) for r in ({"a": 1}, {"b": 2}, {"c": 3})] == [True, True, False]
    assert FilterCriteria.from_api(None).admits({"anything": 1})


def test_a_pattern_that_is_not_json_is_named_in_the_error():
    with pytest.raises(FilterError, match="is not JSON"):
        FilterCriteria.from_api({"Filters": [{"Pattern": "{not json"}]})
