"""A sandbox's logs in the emulator's CloudWatch Logs, where Lambda writes them."""
from __future__ import annotations

import re

from slipway.local.functions import FunctionConfig, LocalFunction
from slipway.local.lambda_logs import LogShipper, report_line


def test_report_line_bills_init_and_duration_rounded_up_to_the_millisecond():
    """REPORT fields: https://docs.aws.amazon.com/lambda/latest/dg/python-logging.html; Billed Duration
    includes Init Duration since 1 August 2025:
    https://aws.amazon.com/blogs/compute/aws-lambda-standardizes-billing-for-init-phase/"""
    line = report_line("r-1", duration_ms=10.2, memory_mb=128, max_memory_mb=40, init_duration_ms=100.5)

    assert line == ("REPORT RequestId: r-1\tDuration: 10.20 ms\tBilled Duration: 111 ms\tMemory Size: 128 MB\t"
                    "Max Memory Used: 40 MB\tInit Duration: 100.50 ms\t")


def test_start_end_and_report_lines_are_readable_through_the_cloudwatch_logs_api(clients, tmp_path):
    """Stream names `YYYY/MM/DD/[$LATEST]<id>` in the function's group:
    https://docs.aws.amazon.com/lambda/latest/dg/monitoring-cloudwatchlogs.html"""
    (tmp_path / "asset").mkdir()
    (tmp_path / "asset" / "index.py").write_text("def handler(event, context):\n    print('hello', event['n'])\n"
                                                 "    return event['n']\n")
    config = FunctionConfig(name="logged", arn="arn:aws:lambda:us-east-1:123456789012:function:logged",
                            handler="index.handler", runtime="python3.12", memory_mb=128, timeout_s=3, environment={},
                            log_group="/custom/logged")
    logs = LogShipper(lambda: clients("logs"))
    function = LocalFunction(config, task_root=tmp_path / "asset", target_environment={}, work_dir=tmp_path / "work",
                             logs=logs)
    try:
        first, second = function.invoke({"n": 1}), function.invoke({"n": 2})
    finally:
        function.close()
        logs.close()

    [stream] = clients("logs").describe_log_streams(logGroupName="/custom/logged")["logStreams"]
    messages = [e["message"] for e in clients("logs").get_log_events(
        logGroupName="/custom/logged", logStreamName=stream["logStreamName"], startFromHead=True)["events"]]
    assert re.fullmatch(r"\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}", stream["logStreamName"])
    assert messages[:3] == [f"START RequestId: {first.request_id} Version: $LATEST", "hello 1",
                            f"END RequestId: {first.request_id}"]
    assert re.match(rf"REPORT RequestId: {first.request_id}\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\t"
                    r"Memory Size: 128 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms\t$", messages[3])
    assert messages[4:7] == [f"START RequestId: {second.request_id} Version: $LATEST", "hello 2",
                             f"END RequestId: {second.request_id}"]
    assert "Init Duration" not in messages[7]
