"""`make bench` / `python -m bench [AREA ...]`: run each area's benchmark in its own process."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).parent
AREAS = sorted(p.name for p in BENCH.iterdir() if (p / "__main__.py").is_file())


def main(argv: list[str]) -> int:
    chosen = argv or AREAS
    unknown = sorted(set(chosen) - set(AREAS))
    if unknown:
        print(f"unknown benchmark area(s): {', '.join(unknown)}; choose from {', '.join(AREAS)}", file=sys.stderr)
        return 2
    failed = []
    for area in chosen:
        print(f"== bench/{area}", flush=True)
        if subprocess.run([sys.executable, "-m", f"bench.{area}"], cwd=BENCH.parent).returncode != 0:
            failed.append(area)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
