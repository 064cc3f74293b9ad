"""`python -m bench.serving.forest`: what the served random forest costs in ONNX Runtime against
the forest's settings, on the serving bench's data (20,000 x 30, 80/20 split): validation accuracy
and logloss, nodes, ONNX size, and in a fresh process per setting (median of 3) the session build
time and the peak RSS of importing ONNX Runtime, building the session and predicting one row, with
graph optimisation on and off. Writes <results>/forest.json. A study behind docs/serving.md's
random-forest section, not a target: run it by hand (a few minutes).
"""
import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score
from sklearn.model_selection import train_test_split
from skl2onnx import to_onnx
from skl2onnx.common.data_types import FloatTensorType

from bench.serving.models import data

CHILD = r'''
import sys, time, numpy as np
t=time.perf_counter()
import onnxruntime as ort
o=ort.SessionOptions(); o.intra_op_num_threads=o.inter_op_num_threads=1; o.enable_cpu_mem_arena=False
o.graph_optimization_level = getattr(ort.GraphOptimizationLevel, sys.argv[2])
i=time.perf_counter()
s=ort.InferenceSession(sys.argv[1], sess_options=o, providers=["CPUExecutionProvider"])
b=time.perf_counter()
s.run(None, {"features": np.zeros((1,30), np.float32)})
p=time.perf_counter()
rss=next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print((i-t)*1000, (b-i)*1000, (p-b)*1000, rss/1024)
'''
variants = [("default (leaf 1, depth unlimited)", {}), ("min_samples_leaf=2", {"min_samples_leaf": 2}),
            ("min_samples_leaf=5", {"min_samples_leaf": 5}), ("min_samples_leaf=10", {"min_samples_leaf": 10}),
            ("max_depth=16", {"max_depth": 16}), ("max_depth=12", {"max_depth": 12})]

def main(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.serving.forest")
    parser.add_argument("--results", type=Path, default=Path(__file__).resolve().parents[1] / "results")
    args = parser.parse_args(argv)
    X, y = data()
    Xt, Xv, yt, yv = train_test_split(X, y, test_size=0.2, random_state=0)
    out = []
    with tempfile.TemporaryDirectory() as scratch:
        for label, kw in variants:
            m = RandomForestClassifier(n_estimators=100, random_state=0, n_jobs=1, **kw).fit(Xt, yt)
            p = m.predict_proba(Xv)
            onnx = to_onnx(m, initial_types=[("features", FloatTensorType([None, 30]))],
                           options={id(m): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3}).SerializeToString()
            path = Path(scratch) / f"{len(out)}.onnx"
            path.write_bytes(onnx)
            for level in ("ORT_ENABLE_ALL", "ORT_DISABLE_ALL"):
                runs = [list(map(float, subprocess.run([sys.executable, "-c", CHILD, str(path), level], capture_output=True,
                                                       text=True, check=True).stdout.split())) for _ in range(3)]
                med = [sorted(r[k] for r in runs)[1] for k in range(4)]
                row = {"variant": label, "ort_level": level, "val_accuracy": accuracy_score(yv, p.argmax(1)),
                       "val_logloss": log_loss(yv, p), "val_auc": roc_auc_score(yv, p[:, 1]),
                       "nodes": int(sum(t.tree_.node_count for t in m.estimators_)), "onnx_mb": len(onnx) / 1e6,
                       "import_ms": med[0], "session_ms": med[1], "first_predict_ms": med[2], "peak_rss_mb": med[3]}
                out.append(row)
                print(json.dumps(row), flush=True)
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "forest.json").write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
