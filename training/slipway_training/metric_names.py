"""The metric lines the trainer prints, one per line as `<split>:<metric>=<value>`, which a job's
MetricDefinitions regexes read. Pure Python: the preflight check shows these to the job spec's
regexes before anything runs."""
from __future__ import annotations

SIGNIFICANT = ".6g"

# Printed once, after training (validation:auc only for two classes; silhouette when defined)
FINAL: dict[str, tuple[str, ...]] = {
    "classification": ("train:accuracy", "validation:accuracy", "validation:auc",
                       "validation:f1", "validation:logloss"),
    "regression": ("train:rmse", "validation:mae", "validation:r2", "validation:rmse"),
    "clustering": ("validation:inertia", "validation:silhouette"),
    "dimensionality_reduction": ("train:explained_variance", "validation:explained_variance",
                                 "validation:reconstruction_error"),
    "anomaly_detection": ("validation:mean_score", "validation:outlier_fraction"),
}
# Printed after every boosting round (XGBoost only): what tuning's early stopping and Hyperband
# read as intermediate values. The final line of the same name comes last and is the result.
PER_ROUND: dict[str, str] = {"classification": "validation:logloss",
                             "regression": "validation:rmse"}


def line(name: str, value: float) -> str:
    return f"{name}={format(value, SIGNIFICANT)}"


def round_line(round_number: int, name: str, value: float) -> str:
    return f"round={round_number} {line(name, value)}"


def rounded(value: float) -> float:
    """The printed form, parsed back: metrics.json and the log must agree to the last digit."""
    return float(format(float(value), SIGNIFICANT))


def sample_lines(task: str, algorithm: str) -> list[str]:
    """Lines of the very shape this trainer prints for the task, with a stand-in value."""
    lines = [line(name, 0.123456) for name in FINAL[task]]
    if algorithm == "xgboost" and task in PER_ROUND:
        lines.insert(0, round_line(1, PER_ROUND[task], 0.654321))
    return lines
