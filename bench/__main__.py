"""`make bench` / `python -m bench [--smoke] [AREA ...]`: run each area's benchmark in its own process.

The interface every area (a package ``bench/<area>`` with a ``__main__.py``) keeps:

    python -m bench.<area> [--smoke] [--results DIR]

exits 0 and writes ``DIR/<area>.json`` (and ``DIR/<area>.md``); DIR defaults to bench/results.
``--smoke`` runs every measurement end to end at tiny sizes, offline, in seconds: it proves the
benchmark still runs (CI runs it through ``make test``), its numbers mean nothing. A full run (no
``--smoke``) regenerates bench/results/<area>.md with the commit, the machine and a verdict per
target. The runner fails when a child fails or leaves its result file missing.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).parent
RESULTS = BENCH / "results"
AREAS = sorted(p.name for p in BENCH.iterdir() if (p / "__main__.py").is_file())
# Areas whose --smoke mode is not written yet (they are skipped, loudly, by --smoke; a full run
# still runs them). bench/local belongs to the local-runtime work, which adds its own.
SMOKE_PENDING: dict[str, str] = {}  # area -> why its smoke mode is skipped


def run_area(area: str, *, smoke: bool, results: Path, module: str | None = None) -> str | None:
    """Why the area failed, or None. ``module`` defaults to ``bench.<area>``."""
    command = [sys.executable, "-m", module or f"bench.{area}", "--results", str(results)] + (
        ["--smoke"] if smoke else [])
    started = time.monotonic()
    done = subprocess.run(command, cwd=BENCH.parent)
    print(f"   bench/{area}: exit {done.returncode} in {time.monotonic() - started:.1f} s", flush=True)
    if done.returncode != 0:
        return f"{area} exited with {done.returncode}"
    if not (results / f"{area}.json").is_file():
        return f"{area} wrote no {results / f'{area}.json'}"
    return None


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("areas", nargs="*", metavar="AREA", help=f"default: all of {', '.join(AREAS)}")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, results in a temporary directory")
    parser.add_argument("--results", type=Path, help="where results go (default: bench/results, "
                                                     "or a temporary directory with --smoke)")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.areas) - set(AREAS))
    if unknown:
        print(f"unknown benchmark area(s): {', '.join(unknown)}; choose from {', '.join(AREAS)}", file=sys.stderr)
        return 2
    chosen = args.areas or AREAS
    with tempfile.TemporaryDirectory(prefix="bench-smoke-") as scratch:
        results = args.results or (Path(scratch) if args.smoke else RESULTS)
        results.mkdir(parents=True, exist_ok=True)
        failed = []
        for area in chosen:
            if args.smoke and area in SMOKE_PENDING:
                print(f"== bench/{area}: skipped in smoke mode ({SMOKE_PENDING[area]})", flush=True)
                continue
            print(f"== bench/{area}{' (smoke)' if args.smoke else ''}", flush=True)
            why = run_area(area, smoke=args.smoke, results=results)
            if why:
                failed.append(why)
    if failed:
        print("failed: " + "; ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
