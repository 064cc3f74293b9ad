"""tuning.png: every trial's objective (pruned ones at their last intermediate value), and the
best so far."""
from __future__ import annotations

from pathlib import Path

from .outcome import TrialOutcome


def plot(path: Path, results: list[TrialOutcome], *, objective: str, minimize: bool,
         title: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(figsize=(8, 4.5), dpi=100)
    for state, style in (("complete", {"marker": "o", "color": "tab:blue"}),
                         ("pruned", {"marker": "x", "color": "tab:gray"})):
        points = [(r.number, r.value) for r in results if r.state == state and r.value is not None]
        if points:
            axes.scatter(*zip(*points), label=state, **style)
    best: list[tuple[int, float]] = []
    for r in results:
        if r.state == "complete" and r.value is not None:
            better = not best or (r.value < best[-1][1] if minimize else r.value > best[-1][1])
            best.append((r.number, r.value if better else best[-1][1]))
    if best:
        axes.step(*zip(*best), where="post", color="tab:orange", label="best so far")
    axes.set_xlabel("trial")
    axes.set_ylabel(f"{objective} ({'lower' if minimize else 'higher'} is better)")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    figure.savefig(path)
    pyplot.close(figure)
    return path
