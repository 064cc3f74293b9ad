"""The scikit-learn model families, each as one Pipeline whose first step is the preprocessing
that travels inside the exported graph: impute missing values, scale numbers (where the model
cares about scale), and one-hot encode category codes."""
from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.calibration import CalibratedClassifierCV
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest, RandomForestClassifier, RandomForestRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from .hyperparameters import Hyperparameters
from .schema import Schema

# Trees split on thresholds: scaling them changes nothing but float rounding, so they go unscaled
UNSCALED = frozenset({"xgboost", "decision_tree", "random_forest", "isolation_forest"})
# A missing category is coded -1 before one-hot encoding: an unknown value, so all zeros
MISSING_CODE = -1.0


def preprocessor(schema: Schema, *, algorithm: str) -> ColumnTransformer:
    numbers, categories = schema.indices("number"), schema.indices("category")
    parts: list[tuple[str, Any, list[int]]] = []
    if numbers:
        if algorithm == "xgboost":
            parts.append(("number", "passthrough", numbers))  # XGBoost routes NaN itself
        else:
            steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="mean"))]
            if algorithm not in UNSCALED:
                steps.append(("scale", StandardScaler()))
            parts.append(("number", Pipeline(steps), numbers))
    if categories:
        known = [np.arange(len(schema.features[i].categories), dtype=np.float64)
                 for i in categories]
        parts.append(("category", Pipeline([
            ("impute", SimpleImputer(strategy="constant", fill_value=MISSING_CODE)),
            ("onehot", OneHotEncoder(categories=known, handle_unknown="ignore",
                                     sparse_output=False)),
        ]), categories))
    return ColumnTransformer(parts, sparse_threshold=0.0)


def estimator(hp: Hyperparameters, *, num_cpus: int) -> BaseEstimator:
    seed, value = hp.seed, hp.value
    name, regression = hp.algorithm, hp.task == "regression"
    if name == "logistic_regression":
        return LogisticRegression(C=hp.C, max_iter=value("max_iter"))
    if name == "svm":
        # Platt scaling fitted by cross-validation, one calibrated model (SVC(probability=True)
        # is deprecated); its label is the most probable class, so label and probabilities agree
        return CalibratedClassifierCV(SVC(C=hp.C, kernel=hp.kernel), method="sigmoid", cv=5,
                                      ensemble=False)
    if name == "naive_bayes":
        return GaussianNB(var_smoothing=hp.var_smoothing)
    if name == "decision_tree":
        tree = DecisionTreeRegressor if regression else DecisionTreeClassifier
        return tree(max_depth=value("max_depth"), min_samples_leaf=hp.min_samples_leaf,
                    random_state=seed)
    if name == "random_forest":
        forest = RandomForestRegressor if regression else RandomForestClassifier
        return forest(n_estimators=hp.n_estimators, max_depth=value("max_depth"),
                      min_samples_leaf=hp.min_samples_leaf, random_state=seed, n_jobs=num_cpus)
    if name == "linear":
        return LinearRegression()
    if name == "ridge":
        return Ridge(alpha=value("alpha"))
    if name == "lasso":
        return Lasso(alpha=value("alpha"), max_iter=value("max_iter"), random_state=seed)
    if name == "svr":
        return SVR(C=hp.C, kernel=hp.kernel, epsilon=hp.epsilon)
    if name in ("kmeans", "pca_kmeans"):
        return KMeans(n_clusters=hp.n_clusters, max_iter=value("max_iter"), n_init="auto",
                      random_state=seed)
    if name == "pca":
        return PCA(n_components=hp.n_components, random_state=seed)
    if name == "isolation_forest":
        return IsolationForest(n_estimators=hp.n_estimators,
                               contamination="auto" if hp.contamination is None
                               else hp.contamination, random_state=seed, n_jobs=num_cpus)
    raise ValueError(f"{name!r} is not a scikit-learn family")  # xgboost: see boosting.py


def pipeline(hp: Hyperparameters, schema: Schema, *, num_cpus: int) -> Pipeline:
    steps: list[tuple[str, Any]] = [("preprocess", preprocessor(schema, algorithm=hp.algorithm))]
    if hp.algorithm == "pca_kmeans":
        steps.append(("pca", PCA(n_components=hp.n_components, random_state=hp.seed)))
    steps.append(("model", estimator(hp, num_cpus=num_cpus)))
    return Pipeline(steps)
