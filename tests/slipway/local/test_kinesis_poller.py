"""The event source mapping rules, each against real Kinesis records on the emulator.

References are to the AWS Lambda Developer Guide, "Using Lambda with Kinesis Data Streams"
(batching, error handling, ReportBatchItemFailures, on-failure destinations).
"""
from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import orjson
import pytest

from slipway.local.functions import Invocation
from slipway.local.kinesis_poller import (BatchResponseError, MappingSettings, Record, ShardPoller,
                                          failed_from)

pytestmark = pytest.mark.e2e
_names = itertools.count()


@pytest.fixture
def stream(clients):
    name = f"stream-{next(_names)}"
    clients("kinesis").create_stream(StreamName=name, ShardCount=1)
    return name


@pytest.fixture
def queue(clients):
    url = clients("sqs").create_queue(QueueName=f"on-failure-{next(_names)}")["QueueUrl"]
    arn = clients("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def _settings(stream: str, **overrides) -> MappingSettings:
    base = MappingSettings(uuid="esm-1", source_arn=f"arn:aws:kinesis:us-east-1:123456789012:stream/{stream}",
                           function_arn="arn:aws:lambda:us-east-1:123456789012:function:scorer", batch_size=10,
                           batching_window_s=0, starting_position="TRIM_HORIZON", max_retries=2,
                           max_record_age_s=-1, bisect_on_error=False, report_item_failures=True,
                           )
    return replace(base, **overrides)


def _put(clients, stream: str, count: int) -> None:
    clients("kinesis").put_records(StreamName=stream, Records=[
        {"Data": orjson.dumps({"n": i}), "PartitionKey": "same-key"} for i in range(count)])


class ScriptedFunction:
    """Records each batch it is invoked with; `respond` decides the outcome."""

    def __init__(self, respond=lambda numbers, records: {"batchItemFailures": []}):
        self.batches: list[list[int]] = []
        self.respond = respond

    def __call__(self, event):
        records = [r["kinesis"] for r in event["Records"]]
        import base64
        numbers = [orjson.loads(base64.b64decode(r["data"]))["n"] for r in records]
        self.batches.append(numbers)
        try:
            return Invocation(payload=self.respond(numbers, records))
        except Exception as error:
            return Invocation(error_type=type(error).__name__, error_message=str(error))


def _drain(poller: ShardPoller, rounds: int = 10) -> None:
    for _ in range(rounds):
        batch = poller.next_batch()
        if not batch:
            return
        poller.process(batch)


def _poller(clients, settings, function) -> ShardPoller:
    return ShardPoller(settings, "shardId-000000000000", clients=clients, invoke=function,
                       role_arn="arn:aws:iam::123456789012:role/scorer", retry_backoff_s=0)


def test_batches_hold_at_most_batch_size_records_in_shard_order(clients, stream):
    _put(clients, stream, 25)
    function = ScriptedFunction()

    _drain(_poller(clients, _settings(stream), function))

    assert function.batches == [list(range(10)), list(range(10, 20)), list(range(20, 25))]


def test_report_batch_item_failures_retries_from_the_lowest_failed_sequence_number(clients, stream):
    _put(clients, stream, 10)
    failed_once = set()

    def respond(numbers, records):
        failures = [r for n, r in zip(numbers, records) if n in (6, 3) and n not in failed_once]
        failed_once.update(n for n in numbers if n in (6, 3))
        return {"batchItemFailures": [{"itemIdentifier": r["sequenceNumber"]} for r in failures]}

    function = ScriptedFunction(respond)
    _drain(_poller(clients, _settings(stream), function))

    assert function.batches == [list(range(10)), list(range(3, 10))]


@pytest.mark.parametrize("payload", [None, {}, {"batchItemFailures": []}, {"batchItemFailures": None}])
def test_an_empty_or_null_failure_list_means_the_whole_batch_succeeded(clients, stream, payload):
    _put(clients, stream, 4)
    function = ScriptedFunction(lambda numbers, records: payload)

    _drain(_poller(clients, _settings(stream), function))

    assert function.batches == [[0, 1, 2, 3]]


@pytest.mark.parametrize("failure", [{"itemIdentifier": ""}, {"itemIdentifier": "999999"}, {"nope": 1}, "x"])
def test_a_malformed_item_identifier_fails_the_whole_batch(failure):
    records = [Record(str(i), "k", b"{}", datetime.now(timezone.utc)) for i in (1, 2)]

    with pytest.raises(BatchResponseError, match="not in the batch"):
        failed_from(records, {"batchItemFailures": [failure]})


def test_retries_are_bounded_and_the_batch_is_described_to_the_on_failure_destination(clients, stream, queue):
    queue_url, queue_arn = queue
    _put(clients, stream, 3)
    function = ScriptedFunction(lambda numbers, records: (_ for _ in ()).throw(RuntimeError("always")))

    _drain(_poller(clients, _settings(stream, max_retries=2, on_failure_arn=queue_arn), function))

    assert function.batches == [[0, 1, 2]] * 3  # the first attempt and two retries
    messages = clients("sqs").receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10)["Messages"]
    body = orjson.loads(messages[0]["Body"])
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 3
    assert body["responseContext"]["functionError"] == "Unhandled"
    info = body["KinesisBatchInfo"]
    assert (info["shardId"], info["batchSize"]) == ("shardId-000000000000", 3)
    assert info["streamArn"].endswith(f"stream/{stream}")
    assert int(info["startSequenceNumber"]) < int(info["endSequenceNumber"])


def test_bisect_on_function_error_isolates_the_poison_record(clients, stream, queue):
    queue_url, queue_arn = queue
    _put(clients, stream, 8)

    def respond(numbers, records):
        if 5 in numbers:
            raise ValueError("poison")
        return {"batchItemFailures": []}

    function = ScriptedFunction(respond)
    _drain(_poller(clients, _settings(stream, bisect_on_error=True, max_retries=0, report_item_failures=False,
                                      on_failure_arn=queue_arn), function))

    assert function.batches[:3] == [list(range(8)), [0, 1, 2, 3], [4, 5, 6, 7]]
    assert [5] in function.batches
    succeeded = sorted(n for batch in function.batches if 5 not in batch for n in batch)
    assert succeeded == [0, 1, 2, 3, 4, 6, 7]
    body = orjson.loads(clients("sqs").receive_message(QueueUrl=queue_url)["Messages"][0]["Body"])
    assert body["KinesisBatchInfo"]["batchSize"] == 1


def test_records_older_than_the_maximum_age_are_not_processed_but_reported(clients, stream, queue):
    queue_url, queue_arn = queue
    settings = _settings(stream, max_record_age_s=60, on_failure_arn=queue_arn)
    poller = _poller(clients, settings, ScriptedFunction())
    old = datetime.now(timezone.utc) - timedelta(minutes=5)
    batch = [Record(str(i), "k", orjson.dumps({"n": i}), old) for i in (1, 2)]

    poller.process(batch)

    assert poller.invocations == 0
    body = orjson.loads(clients("sqs").receive_message(QueueUrl=queue_url)["Messages"][0]["Body"])
    assert body["requestContext"]["condition"] == "RecordAgeExceeded"
    assert body["KinesisBatchInfo"]["batchSize"] == 2


def test_latest_skips_records_put_before_the_poller_started(clients, stream):
    _put(clients, stream, 3)
    function = ScriptedFunction()
    poller = _poller(clients, _settings(stream, starting_position="LATEST"), function)
    poller.next_batch()  # the iterator is taken now, at the tip

    _put(clients, stream, 2)
    _drain(poller)

    assert function.batches == [[0, 1]]


def test_at_timestamp_starts_at_the_first_record_arriving_at_or_after_the_timestamp(clients, stream):
    import time as clock

    _put(clients, stream, 2)
    clock.sleep(1.1)
    start = datetime.now(timezone.utc)
    clock.sleep(0.1)
    clients("kinesis").put_records(StreamName=stream, Records=[
        {"Data": orjson.dumps({"n": n}), "PartitionKey": "k"} for n in (10, 11)])
    function = ScriptedFunction()

    _drain(_poller(clients, _settings(stream, starting_position="AT_TIMESTAMP", starting_timestamp=start), function))

    assert function.batches == [[10, 11]]


def test_a_batching_window_gathers_records_that_arrive_while_it_is_open(clients, stream):
    import threading

    function = ScriptedFunction()
    # a window far longer than the late put's delay, so a loaded machine cannot push the put past it
    poller = _poller(clients, _settings(stream, batch_size=100, batching_window_s=4.0), function)
    _put(clients, stream, 3)
    late = threading.Timer(0.2, lambda: clients("kinesis").put_records(StreamName=stream, Records=[
        {"Data": orjson.dumps({"n": n}), "PartitionKey": "k"} for n in (3, 4)]))
    late.start()

    batch = poller.next_batch()
    late.join()

    assert [orjson.loads(r.data)["n"] for r in batch] == [0, 1, 2, 3, 4]


def test_parallelization_factor_runs_batches_concurrently_keeping_order_per_partition_key(clients, stream):
    import threading

    keys = [f"key-{i}" for i in range(6)]
    clients("kinesis").put_records(StreamName=stream, Records=[
        {"Data": orjson.dumps({"n": n, "key": keys[n % 6]}), "PartitionKey": keys[n % 6]} for n in range(60)])
    in_flight, peak, seen = [0], [0], []
    lock = threading.Lock()

    def respond(numbers, records):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
            seen.extend(numbers)
        import time as clock
        clock.sleep(0.05)
        with lock:
            in_flight[0] -= 1
        return {"batchItemFailures": []}

    poller = _poller(clients, _settings(stream, batch_size=5, parallelization_factor=3), ScriptedFunction(respond))
    runner = threading.Thread(target=poller.run, daemon=True)
    runner.start()
    import time as clock
    deadline = clock.monotonic() + 20
    while len(seen) < 60 and clock.monotonic() < deadline:
        clock.sleep(0.05)
    poller.stopped.set()
    runner.join(timeout=5)

    assert sorted(seen) == list(range(60))
    for key_index in range(6):
        per_key = [n for n in seen if n % 6 == key_index]
        assert per_key == sorted(per_key), f"records of key-{key_index} out of order: {per_key}"
    assert peak[0] > 1


@pytest.fixture
def bucket(clients):
    name = f"on-failure-bucket-{next(_names)}"
    clients("s3").create_bucket(Bucket=name)
    return name


def test_a_partial_batch_failure_given_up_on_is_recorded_with_a_null_function_error_and_the_alias_version(
        clients, stream, queue):
    """A record Lambda wrote for a Kinesis mapping on the alias `live` (public: aws-sls-failure-modes):
    functionArn keeps the qualifier, executedVersion is the alias's version, and functionError is null
    when the function answered without raising (it only reported failures)."""
    queue_url, queue_arn = queue
    _put(clients, stream, 2)
    function = ScriptedFunction(lambda numbers, records: {"batchItemFailures": [
        {"itemIdentifier": records[-1]["sequenceNumber"]}]})
    settings = _settings(stream, max_retries=0, on_failure_arn=queue_arn, executed_version="3",
                         function_arn="arn:aws:lambda:us-east-1:123456789012:function:scorer:live")

    _drain(_poller(clients, settings, function))

    body = orjson.loads(clients("sqs").receive_message(QueueUrl=queue_url)["Messages"][0]["Body"])
    assert body["requestContext"]["functionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:scorer:live"
    assert body["responseContext"] == {"statusCode": 200, "executedVersion": "3", "functionError": None}
    assert list(body) == ["requestContext", "responseContext", "version", "timestamp", "KinesisBatchInfo"]
    assert body["KinesisBatchInfo"]["batchSize"] == 1


def test_records_that_expired_are_recorded_without_a_response_context(clients, stream, queue):
    """RecordAgeExceeded: the records were never (or no longer) invoked, so Lambda writes no
    responseContext ("Retain discarded batch records for a Kinesis Data Streams event source",
    https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html)."""
    queue_url, queue_arn = queue
    poller = _poller(clients, _settings(stream, max_record_age_s=60, on_failure_arn=queue_arn), ScriptedFunction())
    old = datetime.now(timezone.utc) - timedelta(minutes=5)

    poller.process([Record("1", "k", b"{}", old)])

    body = orjson.loads(clients("sqs").receive_message(QueueUrl=queue_url)["Messages"][0]["Body"])
    assert body["requestContext"]["condition"] == "RecordAgeExceeded"
    assert body["requestContext"]["approximateInvokeCount"] == 0
    assert "responseContext" not in body


def test_an_s3_destination_gets_the_record_and_the_whole_invocation_payload_under_lambdas_key_layout(
        clients, stream, bucket):
    """S3 destinations: "Lambda also sends the entire invocation record along with the metadata",
    object key aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>
    (https://docs.aws.amazon.com/lambda/latest/dg/kinesis-on-failure-destination.html)."""
    import base64
    import re

    _put(clients, stream, 2)
    function = ScriptedFunction(lambda numbers, records: (_ for _ in ()).throw(RuntimeError("down")))

    _drain(_poller(clients, _settings(stream, max_retries=0, on_failure_arn=f"arn:aws:s3:::{bucket}"), function))

    [key] = [o["Key"] for o in clients("s3").list_objects_v2(Bucket=bucket)["Contents"]]
    assert re.fullmatch(r"aws/lambda/esm-1/shardId-000000000000/\d{4}/\d{2}/\d{2}/"
                        r"\d{4}-\d{2}-\d{2}T\d{2}\.\d{2}\.\d{2}-[0-9a-f-]{36}", key), key
    body = orjson.loads(clients("s3").get_object(Bucket=bucket, Key=key)["Body"].read())
    assert body["responseContext"]["functionError"] == "Unhandled"
    payload = orjson.loads(body["payload"])
    assert [orjson.loads(base64.b64decode(r["kinesis"]["data"]))["n"] for r in payload["Records"]] == [0, 1]


def test_retries_back_off_exponentially_up_to_a_cap(clients, stream):
    poller = ShardPoller(_settings(stream), "shardId-000000000000", clients=clients, invoke=ScriptedFunction(),
                         role_arn="r", retry_backoff_s=0.5, max_backoff_s=3)

    assert [poller.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3, 3]


def test_a_batch_stops_at_lambdas_6_mb_payload_even_below_batch_size(clients, stream):
    """Lambda invokes when the batch size is reached, the window closes, or the payload reaches 6 MB
    ("Using Lambda with Kinesis Data Streams", batching behavior)."""
    big = b"x" * 900_000  # Kinesis caps a record at 1 MB; base64 makes each 1.2 MB of payload
    for _ in range(8):
        clients("kinesis").put_record(StreamName=stream, Data=big, PartitionKey="k")
    batches = []
    poller = _poller(clients, _settings(stream, batch_size=100),
                     lambda event: (batches.append((len(event["Records"]), len(orjson.dumps(event)))),
                                    Invocation(payload=None))[1])

    _drain(poller)

    assert sum(count for count, _ in batches) == 8 and len(batches) == 2
    assert all(size <= 6 * 1024 * 1024 for _, size in batches)


def test_records_no_filter_admits_are_checkpointed_without_an_invocation(clients, stream):
    """FilterCriteria: "Lambda drops [records] that don't match"; data that is JSON is filtered as JSON
    (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html)."""
    from slipway.local.sources.filters import FilterCriteria

    _put(clients, stream, 10)
    function = ScriptedFunction()
    criteria = FilterCriteria.from_api({"Filters": [{"Pattern": '{"data": {"n": [{"numeric": [">=", 7]}]}}'},
                                                    {"Pattern": '{"data": {"n": [0]}}'}]})
    poller = _poller(clients, _settings(stream, filters=criteria), function)

    _drain(poller)

    assert function.batches == [[0, 7, 8, 9]]
    assert (poller.filtered_out, poller.records_done) == (6, 10)


def test_a_slow_lane_does_not_hold_back_the_other_lanes(clients, stream):
    """ParallelizationFactor: "process multiple batches from each shard concurrently" — each lane moves
    on by itself (https://docs.aws.amazon.com/lambda/latest/dg/with-kinesis.html#kinesis-parallelization)."""
    import threading
    import time as clock

    settings = _settings(stream, batch_size=1, parallelization_factor=2)
    probe = ShardPoller(settings, "s", clients=clients, invoke=ScriptedFunction(), role_arn="r")
    keys: dict[int, str] = {}
    for n in range(200):  # one partition key per lane
        keys.setdefault(probe.lanes.index(probe._lane(Record("0", f"k{n}", b"", datetime.now(timezone.utc)))), f"k{n}")
    slow_key, fast_key = keys[0], keys[1]
    clients("kinesis").put_records(StreamName=stream, Records=[
        {"Data": orjson.dumps({"n": n}), "PartitionKey": slow_key if n == 0 else fast_key} for n in range(6)])
    release = threading.Event()
    done_while_slow = []

    def respond(numbers, records):
        if numbers == [0]:
            release.wait(10)  # the slow lane's first batch
        elif not release.is_set():
            done_while_slow.extend(numbers)
        return {"batchItemFailures": []}

    poller = _poller(clients, settings, ScriptedFunction(respond)).start()
    deadline = clock.monotonic() + 10
    while len(done_while_slow) < 5 and clock.monotonic() < deadline:
        clock.sleep(0.05)
    release.set()
    poller.stop()

    assert done_while_slow == [1, 2, 3, 4, 5]
