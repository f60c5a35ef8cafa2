"""The peer of bench/kmeans-single-thread.sh: one Lloyd iteration of scikit-learn (the Cython routine
KMeans.fit calls), on ONE thread (OpenMP and BLAS), timed in process CPU time, so the other work on
a shared machine barely moves it. Writes the seeded data for our side. Prints JSON."""
import json
import os
import statistics
import sys
import time

import numpy as np
from sklearn.cluster import _k_means_lloyd
from threadpoolctl import threadpool_info, threadpool_limits

n, d, k, repeats = (int(v) for v in sys.argv[1:5])
out = sys.argv[5]
rng = np.random.default_rng(20261129)
x = rng.uniform(0, 10, size=(n, d)).astype(np.float32)
centers = x[:k].copy()
x.tofile(f"{out}/x.f32")
centers.tofile(f"{out}/centers.f32")


def iteration():
    centers_new = np.empty_like(centers)
    weight = np.zeros(k, dtype=np.float32)
    labels = np.full(n, -1, dtype=np.int32)
    shift = np.zeros(k, dtype=np.float32)
    sample_weight = np.ones(n, dtype=np.float32)
    began = time.process_time()
    _k_means_lloyd.lloyd_iter_chunked_dense(x, sample_weight, centers, centers_new, weight, labels, shift, 1, update_centers=True)
    return time.process_time() - began


with threadpool_limits(limits=1):
    iteration()  # warm-up
    times = [iteration() for _ in range(repeats)]
json.dump({
    "coretype": os.environ.get("OPENBLAS_CORETYPE", "unset"),
    "blas": [f"{i['internal_api']} {i['version']} {i.get('architecture')}" for i in threadpool_info() if i["user_api"] == "blas"],
    "cpu_seconds_median": statistics.median(times),
    "cpu_seconds_min": min(times),
}, sys.stdout)
