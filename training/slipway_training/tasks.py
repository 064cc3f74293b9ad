"""Tasks, the algorithms that serve each, and the ONNX outputs each task's graph carries
(docs/contracts.md §2, "Tasks and ONNX outputs"). Pure Python: the preflight check imports it."""
from __future__ import annotations

TASKS = ("classification", "regression", "clustering", "dimensionality_reduction",
         "anomaly_detection")

# algorithm -> the tasks it serves; the first is its default task
ALGORITHMS: dict[str, tuple[str, ...]] = {
    "xgboost": ("classification", "regression"),
    "logistic_regression": ("classification",),
    "svm": ("classification",),
    "naive_bayes": ("classification",),
    "decision_tree": ("classification", "regression"),
    "random_forest": ("classification", "regression"),
    "linear": ("regression",),
    "ridge": ("regression",),
    "lasso": ("regression",),
    "svr": ("regression",),
    "kmeans": ("clustering",),
    "pca_kmeans": ("clustering",),
    "pca": ("dimensionality_reduction",),
    "isolation_forest": ("anomaly_detection",),
}

# task -> ONNX output names in the order the graph produces them; the names are also the roles
OUTPUTS: dict[str, tuple[str, ...]] = {
    "classification": ("label", "probabilities"),
    "regression": ("value",),
    "clustering": ("label", "distances"),
    "dimensionality_reduction": ("components",),
    "anomaly_detection": ("label", "score"),
}

SUPERVISED = frozenset({"classification", "regression"})

assert set(OUTPUTS) == set(TASKS)
assert all(set(tasks) <= set(TASKS) for tasks in ALGORITHMS.values())
