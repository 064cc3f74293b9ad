"""`slipway tune SPEC`: the spec's search run on this machine with optuna: trials in parallel (at
most `max_parallel`), early stopping or Hyperband on the intermediate values, the objective read
with the spec's regex, a progress line per trial, a results table, a PNG plot, and the best model
kept as the candidate."""
from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import optuna

from slipway.jobs.errors import JobError
from slipway.jobs.local import unique_job_name
from slipway.jobs.preflight import preflight
from slipway.jobs.spec import JobSpec
from slipway.jobs.tuning_spec import TuningSpec
from slipway.sagemaker.errors import TrainingJobFailed

from . import plot, report, strategy
from .outcome import TrialOutcome, best, outcomes
from .progress import Progress
from .trial import TrialRunner

MAX_TUNING_JOB_NAME = 32  # CreateHyperParameterTuningJob's limit, kept locally too


class TuningFailed(JobError):
    """No trial finished: the search has no result to keep."""
    code = "TuningJobFailed"


@dataclass(frozen=True)
class TuningResult:
    job_name: str
    directory: Path
    objective: str
    minimize: bool
    trials: tuple[TrialOutcome, ...]
    best: TrialOutcome
    candidate: Path  # model.tar.gz of the best trial
    table: str
    table_path: Path
    csv_path: Path
    plot_path: Path


def _stop_when_nothing_works(parallel: int) -> Callable[[optuna.Study, object], None]:
    """Like SageMaker, a search whose first jobs all fail stops rather than burn the budget."""
    limit = max(3, parallel)
    complete, failed = optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL

    def check(study: optuna.Study, _trial: object) -> None:
        states = [t.state for t in study.trials]
        if complete not in states and states.count(failed) >= limit:
            study.stop()

    return check


def search(tuning: TuningSpec, name: str, objective: Callable[[optuna.Trial], float], *,
           total: int, parallel: int, seed: int | None, catch: tuple[type[Exception], ...],
           callbacks: Sequence[Callable[[optuna.Study, optuna.trial.FrozenTrial], None]] = (),
           study: optuna.Study | None = None) -> optuna.Study:
    """The search both `slipway tune` and the local CreateHyperParameterTuningJob run: the
    strategy's sampler and pruner, `parallel` trials at a time, the runtime limit, and a stop
    when the first trials all fail."""
    study = study or new_study(tuning, name, seed)
    study.optimize(objective, n_trials=total, n_jobs=parallel, timeout=tuning.max_runtime_seconds,
                   catch=catch, callbacks=[*callbacks, _stop_when_nothing_works(parallel)])
    return study


def new_study(tuning: TuningSpec, name: str, seed: int | None) -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    return optuna.create_study(direction=strategy.direction(tuning), study_name=name,
                               sampler=strategy.sampler(tuning, seed),
                               pruner=strategy.pruner(tuning))


def run_tuning(spec: JobSpec, *, channels: Mapping[str, Path], work_dir: Path,
               job_name: str | None = None, max_jobs: int | None = None,
               max_parallel: int | None = None, seed: int | None = None,
               say: Callable[[str], None] = print, overwrite: bool = False) -> TuningResult:
    tuning = spec.tuning
    if tuning is None:
        raise JobError(f"{spec.path}: has no `tuning:` section to run")
    preflight(spec)  # bad hyperparameters or a regex that matches nothing: fail before trial 1
    total = tuning.grid_size() if tuning.strategy == "Grid" else (max_jobs or tuning.total_jobs())
    parallel = min(max_parallel or tuning.max_parallel, total)
    name = job_name or unique_job_name(spec.name, limit=MAX_TUNING_JOB_NAME)
    directory = work_dir / name
    if directory.exists():
        if not overwrite:
            raise JobError(f"tuning job {name!r} already exists at {directory}")
        shutil.rmtree(directory)
    directory.mkdir(parents=True)

    runner = TrialRunner(spec, channels=channels, base_dir=directory / "trials",
                         tuning_job_name=name,
                         num_cpus=max(1, (os.cpu_count() or 1) // parallel))
    progress = Progress(total, tuning.objective_metric, tuning.minimize, say)
    say(f"tuning {name}: {total} trials, {parallel} at a time, {tuning.strategy} search, "
        f"{tuning.objective_type.lower()} {tuning.objective_metric}")
    study = search(tuning, name, runner, total=total, parallel=parallel,
                   seed=seed if seed is not None else tuning.random_seed,
                   catch=(TrainingJobFailed,), callbacks=[progress])

    results = outcomes(study)
    leader = best(results, minimize=tuning.minimize)
    if leader is None:
        reasons = [r.reason for r in results if r.reason]
        raise TuningFailed(f"no trial of {name} finished; first failure: "
                           f"{reasons[0] if reasons else 'none recorded'}")
    text = report.table(results, tuning.objective_metric, leader)
    table_path = directory / "results.txt"
    table_path.write_text(text, encoding="utf-8")
    return TuningResult(
        job_name=name, directory=directory, objective=tuning.objective_metric,
        minimize=tuning.minimize, trials=tuple(results), best=leader,
        candidate=report.keep_candidate(directory / "candidate", leader,
                                        tuning.objective_metric),
        table=text, table_path=table_path,
        csv_path=report.write_csv(directory / "results.csv", results, tuning.objective_metric),
        plot_path=plot.plot(directory / "tuning.png", results,
                            objective=tuning.objective_metric, minimize=tuning.minimize,
                            title=f"{name}: {tuning.strategy} search"))
