"""SQS event source mapping rules (AWS Lambda Developer Guide, "Using Lambda with Amazon SQS":
batching, deleting processed messages, partial batch responses, visibility timeout and redrive)."""
from __future__ import annotations

import itertools

import orjson
import pytest

from slipway.local.functions import Invocation
from slipway.local.sqs_poller import SqsMappingSettings, SqsPoller

pytestmark = pytest.mark.e2e
_names = itertools.count()


@pytest.fixture
def queue(clients):
    name = f"requests-{next(_names)}"
    dlq_url = clients("sqs").create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = clients("sqs").get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    url = clients("sqs").create_queue(QueueName=name, Attributes={
        "VisibilityTimeout": "0",
        "RedrivePolicy": orjson.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"}).decode()})["QueueUrl"]
    arn = clients("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn, dlq_url


def _poller(clients, arn, respond, *, report=True, batch_size=10):
    seen = []

    def invoke(event):
        bodies = [r["body"] for r in event["Records"]]
        seen.append(bodies)
        try:
            return Invocation(payload=respond(event["Records"]))
        except Exception as error:
            return Invocation(error_type=type(error).__name__, error_message=str(error))

    settings = SqsMappingSettings(uuid="esm", source_arn=arn, function_arn="arn:aws:lambda:us-east-1:123456789012:"
                                  "function:batch", batch_size=batch_size, batching_window_s=0,
                                  report_item_failures=report)
    return SqsPoller(settings, clients=clients, invoke=invoke, wait_s=0), seen


def _send(clients, url, bodies):
    for body in bodies:
        clients("sqs").send_message(QueueUrl=url, MessageBody=body)


def _depth(clients, url) -> int:
    attributes = clients("sqs").get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    return sum(int(v) for v in attributes["Attributes"].values())


def test_a_successful_batch_is_deleted_from_the_queue(clients, queue):
    url, arn, _ = queue
    _send(clients, url, ["a", "b", "c"])
    poller, seen = _poller(clients, arn, lambda records: None)

    poller.process(poller.next_batch())

    assert sorted(seen[0]) == ["a", "b", "c"]
    assert _depth(clients, url) == 0


def test_with_report_batch_item_failures_only_the_reported_messages_stay(clients, queue):
    url, arn, _ = queue
    _send(clients, url, ["ok-1", "bad", "ok-2"])
    poller, _ = _poller(clients, arn, lambda records: {"batchItemFailures": [
        {"itemIdentifier": r["messageId"]} for r in records if r["body"] == "bad"]})

    poller.process(poller.next_batch())

    remaining = clients("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in remaining] == ["bad"]


def test_a_function_error_deletes_nothing_and_redrive_moves_the_batch_to_the_dead_letter_queue(clients, queue):
    url, arn, dlq_url = queue
    _send(clients, url, ["x"])
    poller, seen = _poller(clients, arn, lambda records: (_ for _ in ()).throw(RuntimeError("down")))

    for _ in range(3):
        batch = poller.next_batch()
        if batch:
            poller.process(batch)

    assert seen == [["x"], ["x"]]  # maxReceiveCount 2, then SQS redrives it
    moved = clients("sqs").receive_message(QueueUrl=dlq_url)["Messages"]
    assert [m["Body"] for m in moved] == ["x"]


def test_a_malformed_item_identifier_fails_the_whole_batch(clients, queue):
    url, arn, _ = queue
    _send(clients, url, ["a", "b"])
    poller, _ = _poller(clients, arn, lambda records: {"batchItemFailures": [{"itemIdentifier": "not-an-id"}]})

    poller.process(poller.next_batch())

    assert _depth(clients, url) == 2


def test_the_event_has_the_documented_record_fields(clients, queue):
    url, arn, _ = queue
    _send(clients, url, ["payload"])
    poller, _ = _poller(clients, arn, lambda records: None)
    events = []
    poller.invoke = lambda event: (events.append(event), Invocation(payload=None))[1]

    poller.process(poller.next_batch())

    record = events[0]["Records"][0]
    assert set(record) == {"messageId", "receiptHandle", "body", "attributes", "messageAttributes", "md5OfBody",
                           "eventSource", "eventSourceARN", "awsRegion"}
    assert (record["eventSource"], record["eventSourceARN"], record["body"]) == ("aws:sqs", arn, "payload")
    assert record["attributes"]["ApproximateReceiveCount"] == "1"


def test_messages_no_filter_admits_are_deleted_without_an_invocation(clients, queue):
    """FilterCriteria on SQS: "Lambda automatically deletes messages that don't match"; a JSON body is
    filtered as JSON (https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html)."""
    from slipway.local.sources.filters import FilterCriteria

    url, arn, _ = queue
    _send(clients, url, ['{"kind": "score"}', '{"kind": "ignore"}', "not json"])
    poller, seen = _poller(clients, arn, lambda records: None)
    poller.settings = SqsMappingSettings(**{**poller.settings.__dict__, "filters": FilterCriteria.from_api(
        {"Filters": [{"Pattern": '{"body": {"kind": ["score"]}}'}]})})

    batch = poller.next_batch()
    poller.process(batch)

    assert seen == [['{"kind": "score"}']]
    assert (poller.filtered_out, _depth(clients, url)) == (2, 0)


def test_message_attributes_reach_the_function_as_lambda_delivers_them(clients, queue):
    """"Using Lambda with Amazon SQS", the example event: each attribute has stringValue or
    binaryValue (base64), empty stringListValues / binaryListValues, and dataType."""
    url, arn, _ = queue
    clients("sqs").send_message(QueueUrl=url, MessageBody="m", MessageAttributes={
        "tag": {"DataType": "String", "StringValue": "blue"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
    events = []
    poller, _ = _poller(clients, arn, lambda records: None)
    poller.invoke = lambda event: (events.append(event), Invocation(payload=None))[1]

    poller.process(poller.next_batch())

    attributes = events[0]["Records"][0]["messageAttributes"]
    assert attributes == {
        "tag": {"stringValue": "blue", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
        "blob": {"binaryValue": "AAE=", "stringListValues": [], "binaryListValues": [], "dataType": "Binary"}}


def test_a_batching_window_keeps_polling_until_it_closes(clients, queue):
    """MaximumBatchingWindowInSeconds: Lambda polls until the window, the batch size or 6 MB."""
    import threading

    url, arn, _ = queue
    clients("sqs").set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "30"})
    poller, _ = _poller(clients, arn, lambda records: None, batch_size=50)
    # a window far longer than the late send's delay: on a loaded CI machine the send itself can take a second
    poller.settings = SqsMappingSettings(**{**poller.settings.__dict__, "batching_window_s": 4.0})
    _send(clients, url, ["a", "b"])
    late = threading.Timer(0.2, lambda: _send(clients, url, ["c"]))
    late.start()

    batch = poller.next_batch()
    late.join()

    assert sorted(m["Body"] for m in batch) == ["a", "b", "c"]


def test_maximum_concurrency_caps_the_batches_in_flight(clients, queue):
    """ScalingConfig.MaximumConcurrency: at most that many concurrent invocations for the mapping."""
    import threading
    import time

    url, arn, _ = queue
    clients("sqs").set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "30"})
    lock = threading.Lock()
    in_flight, peak, done = [0], [0], []

    def respond(records):
        with lock:
            in_flight[0] += 1
            peak[0] = max(peak[0], in_flight[0])
        time.sleep(0.1)
        with lock:
            in_flight[0] -= 1
            done.extend(r["body"] for r in records)

    poller, _ = _poller(clients, arn, respond, batch_size=1)
    poller.settings = SqsMappingSettings(**{**poller.settings.__dict__, "max_concurrency": 3})
    _send(clients, url, [str(n) for n in range(12)])
    poller.start()
    deadline = time.monotonic() + 20
    while len(done) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)
    poller.stop()

    assert sorted(done, key=int) == [str(n) for n in range(12)]
    assert peak[0] == 3


def test_after_function_errors_a_worker_backs_off_exponentially_and_recovers_on_success(clients, queue):
    """"Handling errors for an SQS event source in Lambda": after a function error Lambda gradually
    backs off (https://docs.aws.amazon.com/lambda/latest/operatorguide/sqs-retries.html)."""
    url, arn, _ = queue
    outcomes = iter([RuntimeError("down"), RuntimeError("down"), None])

    def respond(records):
        outcome = next(outcomes)
        if outcome:
            raise outcome

    poller, seen = _poller(clients, arn, respond)
    poller.backoff_s, poller.max_backoff_s = 0.01, 0.015
    waits = []
    poller.stopped.wait = lambda seconds: waits.append(seconds)  # record the backoffs, do not sleep
    step = poller._worker()
    for _ in range(3):
        _send(clients, url, ["m"])
        step()

    assert waits == [0.01, 0.015, 0.0]  # 0.01, then doubled up to the cap, then none after a success
    assert len(seen) == 3
