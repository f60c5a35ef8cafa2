"""The peer: the same Linear Learner epoch (several models at once, logistic loss, Adam, L2) in NumPy.

Linear Learner trains many models in parallel on each mini-batch; NumPy does it the way a Python
user would, one BLAS matrix product per mini-batch for all models' scores and one for their
gradients. Writes the data for our side, times one epoch (median of repeats) and writes the
weights after one epoch to compare with ours; then times evaluating every model's metrics
(objective loss, accuracy, precision, recall) over all rows, as training does after each epoch.
The data are seeded, so the driver can run this once per OpenBLAS core type on the same rows and
keep the fastest (the peer at its best); the BLAS library, version, kernel (threadpoolctl's
`architecture`) and threads it ran are in the output.
"""
import json
import os
import statistics
import sys
import time

import numpy as np
from threadpoolctl import threadpool_info

n, d, models, batch, repeats = (int(v) for v in sys.argv[1:6])
out = sys.argv[6]
rng = np.random.default_rng(20261129)
x = rng.normal(0, 1, size=(n, d)).astype(np.float32)
truth = rng.normal(0, 1, size=d).astype(np.float32)
y = (x @ truth + rng.normal(0, 0.5, size=n) > 0).astype(np.float32)
rates = np.array([0.001 * (m + 1) for m in range(models)], dtype=np.float32)
wd, beta1, beta2, epsilon = 0.0001, 0.9, 0.999, 1e-8
x.tofile(f"{out}/x.f32")
y.tofile(f"{out}/y.f32")


def epoch():
    w = np.zeros((d, models), dtype=np.float32)
    b = np.zeros(models, dtype=np.float32)
    mw, vw = np.zeros_like(w), np.zeros_like(w)
    mb, vb = np.zeros_like(b), np.zeros_like(b)
    losses = np.zeros(models)
    step = 0
    for start in range(0, n, batch):
        xb, yb = x[start:start + batch], y[start:start + batch, None]
        scores = xb @ w + b
        z = np.where(yb > 0.5, scores, -scores)
        losses += np.logaddexp(0, -z).sum(axis=0)
        g = 1 / (1 + np.exp(-scores)) - yb
        gw = xb.T @ g / len(xb) + wd * w
        gb = g.mean(axis=0)
        step += 1
        for param, grad, m1, v1 in ((w, gw, mw, vw), (b, gb, mb, vb)):
            m1 *= beta1
            m1 += (1 - beta1) * grad
            v1 *= beta2
            v1 += (1 - beta2) * grad * grad
            mhat, vhat = m1 / (1 - beta1 ** step), v1 / (1 - beta2 ** step)
            param -= rates * mhat / (np.sqrt(vhat) + epsilon)
    return w, b, losses / n


epoch()  # warm-up
times = []
for _ in range(repeats):
    began = time.perf_counter()
    w, b, losses = epoch()
    times.append(time.perf_counter() - began)
w.T.astype(np.float64).tofile(f"{out}/numpy_weights.f64")


def evaluate(w, b):
    """Every model's objective loss, accuracy, precision and recall over all rows."""
    scores = x @ w + b
    yb = y[:, None] > 0.5
    loss = np.logaddexp(0, -np.where(yb, scores, -scores)).mean(axis=0)
    predicted = scores > 0
    tp = (predicted & yb).sum(axis=0)
    return loss, (predicted == yb).mean(axis=0), tp / np.maximum(predicted.sum(axis=0), 1), tp / np.maximum(yb.sum(axis=0), 1)


evaluate(w, b)  # warm-up
evaluation_times = []
for _ in range(repeats):
    began = time.perf_counter()
    eval_loss, _, _, _ = evaluate(w, b)
    evaluation_times.append(time.perf_counter() - began)
json.dump({
    "peer": f"NumPy {np.__version__}",
    "threads": [f"{pool['internal_api']} {pool['num_threads']} threads" for pool in threadpool_info()],
    "blas": [f"{i['internal_api']} {i['version']} {i.get('architecture') or ''} kernel, {i['num_threads']} threads".replace('  ', ' ')
             for i in threadpool_info() if i["user_api"] == "blas"],
    "coretype": os.environ.get("OPENBLAS_CORETYPE", "unset"),
    # KiB of the process on transparent huge pages (NumPy advises them for its large arrays).
    "huge_pages_kib": int(open("/proc/self/smaps_rollup").read().split("AnonHugePages:")[1].split()[0]),
    "seconds_per_epoch": statistics.median(times),
    # The fastest run: on a machine shared with other work, contention only ever adds time.
    "seconds_per_epoch_min": min(times),
    "mean_loss_model0": float(losses[0]),
    "seconds_per_evaluation": statistics.median(evaluation_times),
    "objective_loss_model0": float(eval_loss[0]),
}, sys.stdout)
