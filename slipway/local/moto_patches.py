"""Two fixes to the embedded moto's Kinesis shard, applied when the emulator starts.

moto 5.2 finds a shard's last sequence number by copying every key (O(n) per put) and serves
GetRecords by scanning from the first record (O(n) per read), so a stream of 100,000 records costs
O(n²) and a soak test takes many minutes; its put is also unsafe under the threaded server's
concurrent requests. Sequence numbers there are consecutive integers, so both operations can go
straight to the records they need. Semantics are unchanged: same records, same order, same limits.
"""
from __future__ import annotations

import logging
import threading
from typing import Any

log = logging.getLogger(__name__)
_applied = False
_put_lock = threading.Lock()


def _get_records(self: Any, last_sequence_id: str, limit: int | None) -> tuple[list[Any], int, int]:
    records = self.records
    last = int(last_sequence_id)
    if not records:
        return [], last, 0
    first_key, last_key = next(iter(records)), next(reversed(records))
    results = []
    sequence = max(last + 1, first_key)
    while sequence <= last_key and (limit is None or len(results) < limit):
        record = records.get(sequence)
        if record is not None:
            results.append(record)
            last = sequence
        sequence += 1
    behind = records[last_key].created_at - results[-1].created_at if results else 0.0
    return results, last, int(behind * 1000)


def _get_max_sequence_number(self: Any) -> int:
    return next(reversed(self.records)) if self.records else 0


def _get_min_sequence_number(self: Any) -> int:
    return next(iter(self.records)) if self.records else 0


def apply() -> bool:
    """Idempotent; leaves moto alone (and says so) if its shard no longer looks as expected."""
    global _applied
    if _applied:
        return True
    from moto.kinesis.models import Shard

    if not all(hasattr(Shard, name) for name in ("get_records", "put_record", "get_max_sequence_number")):
        log.warning("moto's Kinesis shard changed shape; running it unpatched (slow for large streams)")
        return False
    original_put = Shard.put_record

    def put_record(self: Any, *args: Any, **kwargs: Any) -> str:
        with _put_lock:  # moto's own note: "this function is not safe for concurrency"
            return original_put(self, *args, **kwargs)

    Shard.get_records = _get_records
    Shard.get_max_sequence_number = _get_max_sequence_number
    Shard.get_min_sequence_number = _get_min_sequence_number
    Shard.put_record = put_record
    _applied = True
    return True
