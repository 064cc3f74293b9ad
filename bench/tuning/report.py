"""bench/results/tuning.md, tuning.json and tuning.png."""
from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

from .gpu import COLUMNS, DEPTH, ROUNDS, ROWS, GpuResult


def best_so_far(values: list[float]) -> list[float]:
    out: list[float] = []
    for value in values:
        out.append(value if not out else min(out[-1], value))
    return out


def trials_to_reach(values: list[float], target: float) -> int | None:
    return next((i + 1 for i, v in enumerate(values) if v <= target), None)


def plot(path: Path, runs: dict[str, list[list[float]]], target: float, best: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(8, 4.5), dpi=100)
    for (name, searches), color in zip(runs.items(), ("tab:blue", "tab:orange")):
        curves = [best_so_far(v) for v in searches]
        steps = range(1, len(curves[0]) + 1)
        median = [statistics.median(c[i] for c in curves) for i in range(len(curves[0]))]
        axes.fill_between(steps, [min(c[i] for c in curves) for i in range(len(median))],
                          [max(c[i] for c in curves) for i in range(len(median))],
                          color=color, alpha=0.15, step="post")
        axes.step(steps, median, where="post", color=color, label=f"{name}: median best so far")
    axes.axhline(target, color="gray", linestyle="--", label="within 1 % of the best found")
    axes.set_ylim(best * 0.98, best * 1.25)
    axes.set_xlabel("trial")
    axes.set_ylabel("validation logloss (lower is better)")
    axes.set_title(f"Bayesian (TPE) vs Random search, {len(next(iter(runs.values())))} seeds "
                   "(band: min-max)")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)


def _cell(value: int | None, budget: int) -> str:
    return str(value) if value is not None else f">{budget}"


def markdown(summary: dict[str, Any], gpu: GpuResult) -> str:
    from bench.meta import header

    budget, seeds = summary["trials"], summary["seeds"]
    lines = [
        "# Tuning: Bayesian vs Random search",
        "",
        f"{header(summary['command'])} Took {summary['seconds']:.0f} s.",
        "",
        "Problem: XGBoost on a fixed synthetic table (2,000 rows x 20 features, 5 % label "
        "noise, seeded split 80/20), objective validation logloss, over the search space of "
        "`training/jobs/xgboost-classifier.yaml` (6 ranges: log, linear and reverse-log "
        "scaling), static hyperparameters from the same spec but 100 rounds with early stopping "
        f"after 10 (`bench/tuning/problem.py`). Each search: {budget} trials, "
        f"one at a time; {seeds} seeds per strategy. Samplers: `slipway.tuning.strategy` (TPE "
        "for Bayesian, optuna's RandomSampler for Random); trials trained in-process by the "
        "trainer's own code (no subprocess, no ONNX export). With the same seed both strategies "
        "draw the same random start-up trials (TPE's first "
        f"{summary['startup']}); they differ after.",
        "",
        f"Best objective found by any search: **{summary['best']:.6g}**; target (within 1 %): "
        f"{summary['target']:.6g}.",
        "",
        "| strategy | trials to reach the target, per seed | median | reached | "
        "final best, median |",
        "|---|---|---|---|---|",
    ]
    for name, stats in summary["strategies"].items():
        per_seed = ", ".join(_cell(v, budget) for v in stats["trials_to_target"])
        lines.append(f"| {name} | {per_seed} | {_cell(stats['median_trials'], budget)} | "
                     f"{stats['reached']}/{seeds} | {stats['median_final']:.6g} |")
    lines += ["", "A seed that never reached the target counts as more than the budget "
              f"(`>{budget}`); the median treats it so.", "", "![best so far](tuning.png)", "",
              "## GPU", "",
              f"XGBoost `hist`, {ROWS:,} x {COLUMNS} rows, {ROUNDS} rounds, depth {DEPTH}, "
              "`device=\"cuda\"` vs the same machine's CPU.", ""]
    if gpu.measured:
        lines.append(f"CPU {gpu.cpu_seconds:.1f} s, GPU {gpu.gpu_seconds:.1f} s: "
                     f"**{gpu.speedup:.1f}x** ({gpu.note}).")
    else:
        lines.append(gpu.note)
    return "\n".join(lines) + "\n"


def write(results: Path, summary: dict[str, Any], gpu: GpuResult,
          runs: dict[str, list[list[float]]]) -> Path:
    results.mkdir(parents=True, exist_ok=True)
    plot(results / "tuning.png", runs, summary["target"], summary["best"])
    document = {**summary, "runs": runs, "gpu": {"measured": gpu.measured, "note": gpu.note,
                                                 "cpu_seconds": gpu.cpu_seconds,
                                                 "gpu_seconds": gpu.gpu_seconds}}
    (results / "tuning.json").write_text(json.dumps(document, indent=1) + "\n")
    path = results / "tuning.md"
    path.write_text(markdown(summary, gpu))
    return path
