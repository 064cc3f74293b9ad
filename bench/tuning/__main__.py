"""`python -m bench.tuning` (part of `make bench`): Bayesian (TPE) against Random search on a fixed
problem, 5 seeds each: how many trials each needs to come within 1 % of the best objective any
search found. Also XGBoost's GPU speed-up over the same machine's CPU, where a GPU exists.
Writes bench/results/tuning.md, tuning.json and tuning.png.

Options: --trials N (default 60), --seeds N (default 5), --skip-gpu, --results DIR, --smoke (3 trials,
1 seed, no GPU: proves it runs). The GPU figure needs the CUDA build of XGBoost, which the project's
environment never has (it pins xgboost-cpu): bench/tuning/gpu.sh makes its own environment.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.tuning import gpu, problem, report

RESULTS = problem.REPO / "bench" / "results"
STRATEGIES = ("Bayesian", "Random")


def _median(values: list[int | None], budget: int) -> int | None:
    middle = statistics.median_low([v if v is not None else budget + 1 for v in values])
    return None if middle > budget else middle


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.tuning")
    parser.add_argument("--trials", type=int, default=60)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--skip-gpu", action="store_true")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    if args.smoke:
        args.trials, args.seeds, args.skip_gpu = 3, 1, True
    started = time.monotonic()
    spec = problem.load_spec()
    runs: dict[str, list[list[float]]] = {name: [] for name in STRATEGIES}
    with tempfile.TemporaryDirectory() as scratch:
        evaluate = problem.objective(spec, problem.table(Path(scratch) / "train"))
        for seed in range(args.seeds):
            for name in STRATEGIES:
                runs[name].append(problem.search(spec, name, seed, args.trials, evaluate))
                print(f"{name:8} seed {seed}: best {min(runs[name][-1]):.6g}", flush=True)
    best = min(min(values) for searches in runs.values() for values in searches)
    target = best * 1.01
    strategies = {}
    for name, searches in runs.items():
        reach = [report.trials_to_reach(values, target) for values in searches]
        strategies[name] = {"trials_to_target": reach, "median_trials": _median(reach, args.trials),
                            "reached": sum(r is not None for r in reach),
                            "median_final": statistics.median(min(v) for v in searches)}
    measured = gpu.GpuResult(False, "GPU speed-up not measured here: skipped (--skip-gpu).") \
        if args.skip_gpu else gpu.measure(os.cpu_count() or 1)
    summary = {"command": "python -m bench.tuning" + (" " + " ".join(argv) if argv else ""),
               "date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
               "seconds": time.monotonic() - started, "trials": args.trials,
               "seeds": args.seeds, "best": best, "target": target, "strategies": strategies,
               "startup": problem.startup_trials(spec, args.trials)}
    path = report.write(args.results, summary, measured, runs)
    print(path.read_text())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
