"""`slipway local report`: every resource of the synthesized templates, and who makes it real locally.

Each resource is emulated by the backend, run (or completed) by Slipway, or not emulated — with
the reason. What Slipway does per type is declared once, by the backend's adapter
(slipway.local.adapters); this module adds what depends on a resource's properties (a mapping's
source, a route's authorization) and falls back to whether the backend's CloudFormation supports a
type at all, so nothing is left unaccounted.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from slipway.local.adapters import (COMPLETED_BY_SLIPWAY, EMULATED, NOT_EMULATED, RUN_BY_SLIPWAY, BackendAdapter,
                                    MotoAdapter)
from slipway.local.intrinsics import referenced_type

__all__ = ["COMPLETED_BY_SLIPWAY", "EMULATED", "NOT_EMULATED", "RUN_BY_SLIPWAY", "Capability", "classify",
           "moto_supports", "render_table", "report"]


@dataclass(frozen=True)
class Capability:
    stack: str
    logical_id: str
    resource_type: str
    status: str
    detail: str


def _mapping(source_type: str | None) -> tuple[str, str]:
    if source_type == "AWS::Kinesis::Stream":
        return RUN_BY_SLIPWAY, ("Kinesis poller: batch size and 6 MB cap, batching window, starting position, "
                                "retries with backoff, record age, bisect, ReportBatchItemFailures, "
                                "parallelization lanes, FilterCriteria, on-failure destination")
    if source_type == "AWS::SQS::Queue":
        return RUN_BY_SLIPWAY, ("SQS poller: batch size and 6 MB cap, batching window, ReportBatchItemFailures, "
                                "FilterCriteria, MaximumConcurrency; redrive by SQS")
    return NOT_EMULATED, f"only Kinesis and SQS sources are polled locally (this one is {source_type or 'unknown'})"


def classify(resource: dict[str, Any], *, adapter: BackendAdapter, source_type: str | None = None,
             backend_supports: Callable[[str], bool] | None = None) -> tuple[str, str]:
    kind = resource.get("Type", "")
    if kind == "AWS::Lambda::EventSourceMapping":
        return _mapping(source_type)
    entry = adapter.coverage.get(kind)
    if entry is not None:
        detail = entry.detail
        authorization = (resource.get("Properties") or {}).get("AuthorizationType", "NONE")
        if kind == "AWS::ApiGatewayV2::Route" and authorization != "NONE":
            detail += f"; {authorization} authorization is not verified locally"
        return entry.status, detail
    if kind.startswith("Custom::") or kind == "AWS::CloudFormation::CustomResource":
        return NOT_EMULATED, "custom resources run Lambda code during deployment, which the emulator cannot do"
    if (backend_supports or adapter.supports)(kind):
        return EMULATED, "created by the backend's CloudFormation"
    return NOT_EMULATED, f"the backend's CloudFormation has no support for {kind}"


def report(templates: dict[str, dict[str, Any]], *, adapter: BackendAdapter | None = None,
           backend_supports: Callable[[str], bool] | None = None) -> list[Capability]:
    adapter = adapter or MotoAdapter()
    rows = []
    for stack, template in templates.items():
        for logical_id, resource in template.get("Resources", {}).items():
            source = referenced_type((resource.get("Properties") or {}).get("EventSourceArn"), stack, templates)
            status, detail = classify(resource, adapter=adapter, source_type=source, backend_supports=backend_supports)
            rows.append(Capability(stack, logical_id, resource.get("Type", "?"), status, detail))
    return rows


def moto_supports(resource_type: str) -> bool:
    return MotoAdapter().supports(resource_type)


def render_table(rows: list[Capability]) -> str:
    widths = [max(len(getattr(r, f)) for r in rows) for f in ("stack", "logical_id", "resource_type", "status")]
    lines = []
    for row in rows:
        cells = [row.stack, row.logical_id, row.resource_type, row.status]
        lines.append("  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + row.detail)
    counts = {status: sum(r.status == status for r in rows)
              for status in (EMULATED, COMPLETED_BY_SLIPWAY, RUN_BY_SLIPWAY, NOT_EMULATED)}
    lines.append("")
    lines.append(f"{len(rows)} resources: " + ", ".join(f"{n} {s}" for s, n in counts.items()))
    return "\n".join(lines)
