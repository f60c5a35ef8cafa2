"""The peer: scikit-learn's Lloyd K-Means on the same data and starting centers as ours.

Writes the data and starting centers (float32) for our side, times a fit of one Lloyd iteration
(scikit-learn runs the iteration, then a final assignment for the labels: our side times the same
two passes), median of repeats, and writes the centers after 10 iterations to compare with ours.
Also times one pure Lloyd iteration: the Cython routine KMeans.fit itself calls once per iteration
(private to scikit-learn, so looked up defensively), with the thread count KMeans would use and,
as KMeans.fit does, BLAS limited to one thread inside it.
The data are seeded, so the driver can run this once per OpenBLAS core type on the same rows and
keep the fastest (the peer at its best); the BLAS library, version, kernel (threadpoolctl's
`architecture`) and threads it ran are in the output.
"""
import os
import json
import statistics
import sys
import time

import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.cluster import _k_means_lloyd
from sklearn.utils._openmp_helpers import _openmp_effective_n_threads
from threadpoolctl import threadpool_info, threadpool_limits

n, d, k, repeats, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rng = np.random.default_rng(20261129)
true_centers = rng.uniform(-10, 10, size=(k, d)).astype(np.float32)
cluster = rng.integers(0, k, size=n)
x = (true_centers[cluster] + rng.normal(0, 1.5, size=(n, d))).astype(np.float32)
# One row of each true cluster as the starting centers: no cluster starts empty, so neither side
# relocates one and the two runs stay comparable.
start = np.stack([x[np.flatnonzero(cluster == c)[0]] for c in range(k)]).astype(np.float32)
x.tofile(f"{out}/x.f32")
start.tofile(f"{out}/centers.f32")


def fit(iterations):
    model = KMeans(n_clusters=k, init=start, n_init=1, max_iter=iterations, tol=0, algorithm="lloyd")
    began = time.perf_counter()
    model.fit(x)
    return time.perf_counter() - began, model


fit(1)  # warm-up
one = [fit(1)[0] for _ in range(repeats)]
_, ten = fit(10)
ten.cluster_centers_.astype(np.float64).tofile(f"{out}/sklearn_centers10.f64")


def iteration():
    """One Lloyd iteration (assignment + centers update) exactly as KMeans.fit runs it."""
    centers_new = np.empty_like(start)
    weight_in_clusters = np.zeros(k, dtype=np.float32)
    labels = np.full(n, -1, dtype=np.int32)
    center_shift = np.zeros(k, dtype=np.float32)
    sample_weight = np.ones(n, dtype=np.float32)
    began = time.perf_counter()
    _k_means_lloyd.lloyd_iter_chunked_dense(x, sample_weight, start, centers_new, weight_in_clusters, labels, center_shift,
                                            _openmp_effective_n_threads(), update_centers=True)
    return time.perf_counter() - began


# KMeans.fit runs its iterations with BLAS limited to one thread (scikit-learn's OpenMP threads
# each call a single-threaded GEMM); without that limit the two pools oversubscribe the cores.
with threadpool_limits(limits=1, user_api="blas"):
    iteration()  # warm-up
    per_iteration = [iteration() for _ in range(repeats)]
json.dump({
    "peer": f"scikit-learn {sklearn.__version__} KMeans(algorithm='lloyd'), numpy {np.__version__}",
    "threads": [f"{i['internal_api']}:{i['num_threads']}" for i in threadpool_info()],
    "blas": [f"{i['internal_api']} {i['version']} {i.get('architecture') or ''} kernel, {i['num_threads']} threads".replace('  ', ' ')
             for i in threadpool_info() if i["user_api"] == "blas"],
    "coretype": os.environ.get("OPENBLAS_CORETYPE", "unset"),
    # KiB of the process on transparent huge pages (NumPy advises them for its large arrays).
    "huge_pages_kib": int(open("/proc/self/smaps_rollup").read().split("AnonHugePages:")[1].split()[0]),
    "seconds_per_fit1": statistics.median(one),
    "seconds_per_iteration": statistics.median(per_iteration),
    # The fastest run: on a machine shared with other work, contention only ever adds time.
    "seconds_per_iteration_min": min(per_iteration),
}, sys.stdout)
