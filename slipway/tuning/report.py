"""The results of a tuning run, on disk: results.csv, a plain-text table (also printed),
tuning.png, and the best trial's model kept as the candidate (candidate/model.tar.gz with
candidate.json saying where it came from)."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from .outcome import TrialOutcome


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return format(value, ".6g")
    return str(value)


def table(results: list[TrialOutcome], objective: str, best: TrialOutcome | None) -> str:
    names = sorted({key for r in results for key in r.hyperparameters})
    header = ["#", "job", "state", objective, *names, "seconds"]
    rows = [[("*" if best and r.number == best.number else "") + str(r.number), r.job_name,
             r.state, _text(r.value), *(_text(r.hyperparameters.get(n)) for n in names),
             _text(None if r.seconds is None else round(r.seconds, 1))] for r in results]
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip()
             for line in [header, *rows]]
    return "\n".join([lines[0], "  ".join("-" * w for w in widths), *lines[1:]]) + "\n"


def write_csv(path: Path, results: list[TrialOutcome], objective: str) -> Path:
    names = sorted({key for r in results for key in r.hyperparameters})
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["trial", "job_name", "state", objective, *names, "seconds", "steps"])
        for r in results:
            writer.writerow([r.number, r.job_name, r.state, r.value,
                             *(r.hyperparameters.get(n) for n in names), r.seconds, r.steps])
    return path


def keep_candidate(directory: Path, best: TrialOutcome, objective: str) -> Path:
    """Copies the best trial's model.tar.gz; the promotion step picks it up from here."""
    assert best.model_artifact is not None
    directory.mkdir(parents=True, exist_ok=True)
    artifact = directory / "model.tar.gz"
    shutil.copyfile(best.model_artifact, artifact)
    (directory / "candidate.json").write_text(json.dumps({
        "trial": best.number, "job_name": best.job_name, "objective": objective,
        "value": best.value, "hyperparameters": best.hyperparameters,
        "source": best.model_artifact,
        "sha256": hashlib.sha256(artifact.read_bytes()).hexdigest()}, indent=2) + "\n",
        encoding="utf-8")
    return artifact
