"""GPU K-Means: one Lloyd iteration, our fused CUDA kernels against PyTorch, same data, same GPU,
same process.

Ours: the addon's kernels (containers/native/src/kmeans_cuda.cu) built into a small shared library
(bench/gpu/kmeans_shim.cu) and called through ctypes on PyTorch's device tensors; the new centers
are then sums / counts. The peer: PyTorch as a user would write it — distances through one matrix
product (||c||^2 - 2 x.c, the row norm does not change the argmin), argmin, index_add_ of the rows
and a bincount. Both time one whole iteration with CUDA events, median of `repeats` after warm-ups.

The floor: bytes of x over the device bandwidth measured here (a device-to-device copy, bytes
read plus written). Correctness: our labels and distances against a float64 reference on a sample
of rows, and our new centers against the peer's.

Usage: python3 kmeans_gpu.py LIB OUT_JSON [repeats]
"""
import ctypes
import json
import sys

import torch

import gpu_timing

device = torch.device("cuda")
repeats = 20
lib = None


def load(lib_path):
    global lib
    lib = ctypes.CDLL(lib_path)
    lib.sm_kmeans_assign.restype = ctypes.c_char_p
    lib.sm_kmeans_assign.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_void_p, ctypes.c_size_t,
                                     ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                     ctypes.c_void_p, ctypes.c_int]
# The shim's kernel numbers (kmeans_shim.cu): "resident" keeps its sums in registers where they
# fit (fits_registers) and in shared/global memory elsewhere; "resident-registers" and
# "resident-shared" force one way; "tf32" is the mma.sync kernel (argmin on the accumulators),
# "tf32-wmma" the earlier WMMA kernel (scores stored to shared memory and scanned).
KERNELS = {"auto": 0, "resident": 1, "tiled": 2, "tf32": 3, "resident-registers": 4, "resident-shared": 5, "tf32-wmma": 6}


def fits_registers(d, k):
    """kmeans_device.h's UsesRegisterSums: ceil(k / 8) centers a warp times ceil(d / 32) feature
    chunks a lane, rounded up to a power of two, in 8 float64 registers."""
    chunks = 1
    while chunks < -(-d // 32):
        chunks *= 2
    return chunks <= 8 and -(-k // 8) * chunks <= 8


def kernels_for(d, k):
    """Every kernel that takes this shape (the resident ones up to 64 centers, the register sums
    where they fit), old and new side by side."""
    chosen = []
    if k <= 64:
        chosen += ["resident", "resident-shared"] + (["resident-registers"] if fits_registers(d, k) else [])
    return chosen + ["tiled", "tf32", "tf32-wmma"]


def timed(fn):
    return gpu_timing.timed(fn, repeats)


def bandwidth():
    a = torch.empty(2 ** 30, dtype=torch.float32, device=device).uniform_()
    b = torch.empty_like(a)
    median, _, _ = timed(lambda: b.copy_(a))
    del a, b
    return 2 * 4 * 2 ** 30 / (median / 1e3)


def problem(n, d, k, seed):
    g = torch.Generator(device=device).manual_seed(seed)
    truth = torch.rand(k, d, generator=g, device=device) * 20 - 10
    cluster = torch.randint(0, k, (n,), generator=g, device=device)
    x = truth[cluster] + torch.randn(n, d, generator=g, device=device) * 1.5
    start = x[torch.randint(0, n, (k,), generator=g, device=device)].clone()
    return x.contiguous(), start.contiguous()


def peer_iteration(x, c):
    k = c.shape[0]
    scores = torch.addmm((c * c).sum(1), x, c.t(), alpha=-2)
    labels = scores.argmin(1)
    sums = torch.zeros_like(c).index_add_(0, labels, x)
    counts = torch.bincount(labels, minlength=k).to(torch.float32)
    return sums / counts.clamp(min=1).unsqueeze(1), labels


class Ours:
    def __init__(self, n, d, k, kernel):
        self.n, self.d, self.k, self.kernel = n, d, k, KERNELS[kernel]
        self.norms = torch.empty(k, dtype=torch.float32, device=device)
        self.labels = torch.full((n,), -1, dtype=torch.int32, device=device)
        self.distances = torch.full((n,), float("nan"), dtype=torch.float32, device=device)
        self.sums = torch.empty(k, d, dtype=torch.float64, device=device)
        self.counts = torch.empty(k, dtype=torch.float64, device=device)
        self.inertia = torch.empty(1, dtype=torch.float64, device=device)

    def iteration(self, x, c):
        error = lib.sm_kmeans_assign(x.data_ptr(), self.n, self.d, c.data_ptr(), self.k, self.norms.data_ptr(),
                                     self.labels.data_ptr(), self.distances.data_ptr(), self.sums.data_ptr(),
                                     self.counts.data_ptr(), self.inertia.data_ptr(), self.kernel)
        if error:
            raise RuntimeError(error.decode())
        return (self.sums / self.counts.clamp(min=1).unsqueeze(1)).to(torch.float32)


def check(x, c, ours, peer_centers, peer_labels, tf32=False, sample=65536):
    """Labels/distances on a sample against float64 (labels only where the best and second-best
    differ by more than float32's, or TF32's, error); new centers against the peer's."""
    idx = torch.randperm(x.shape[0], device=device)[:sample]
    xs, cs = x[idx].double(), c.double()
    dist = torch.cdist(xs, cs) ** 2
    top2 = dist.topk(2, dim=1, largest=False) if c.shape[0] > 1 else None
    ref_labels = dist.argmin(1)
    tolerance = 1e-5 * float(x.abs().max()) ** 2 * x.shape[1] + 1e-6
    label_tolerance = 4e-3 * float(x.abs().max()) ** 2 * x.shape[1] if tf32 else tolerance
    decided = (top2.values[:, 1] - top2.values[:, 0] > 2 * label_tolerance) if top2 is not None else torch.ones_like(ref_labels, dtype=torch.bool)
    ours_labels = ours.labels[idx].long()
    label_mismatches = int(((ours_labels != ref_labels) & decided).sum())
    # The distance of the center each row was given (TF32 may pick another one on a near-tie).
    own_distance = dist.gather(1, ours_labels.unsqueeze(1)).squeeze(1)
    distance_error = float((ours.distances[idx].double() - own_distance).abs().max())
    unwritten = int((ours.labels < 0).sum()) + int(torch.isnan(ours.distances).sum())
    counts_total = float(ours.counts.sum())
    agree_with_peer = float((ours.labels.long() == peer_labels).double().mean())
    ours_centers = (ours.sums / ours.counts.clamp(min=1).unsqueeze(1))
    own = torch.zeros_like(ours.sums).index_add_(0, ours.labels.long(), x.double())
    sums_error = float(((ours.sums - own).abs() / own.abs().clamp(min=1)).max())
    return {
        "sample_label_mismatches": label_mismatches, "sample_max_distance_error": distance_error,
        "distance_tolerance": tolerance, "unwritten_rows": unwritten, "counts_total": counts_total,
        "labels_agreeing_with_peer": agree_with_peer,
        "max_center_difference_vs_peer": float((ours_centers.float() - peer_centers).abs().max()),
        "max_relative_sums_error_vs_float64": sums_error,
    }


def main():
    global repeats
    lib_path, out_path = sys.argv[1], sys.argv[2]
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 20
    load(lib_path)
    results = {"device": torch.cuda.get_device_name(), "torch": torch.__version__, "repeats": repeats}
    results["bandwidth_bytes_per_s"] = bandwidth()
    print(f"device {results['device']}, torch {results['torch']}, copy bandwidth {results['bandwidth_bytes_per_s'] / 1e12:.2f} TB/s", flush=True)
    cases = []
    # The profile's three shapes, then two more for the register sums (64 centers at d = 32, the
    # most they take; four chunks of features).
    for n, d, k in [(2 ** 24, 32, 16), (2 ** 22, 128, 1024), (2 ** 20, 64, 64), (2 ** 22, 32, 64), (2 ** 22, 128, 16)]:
        x, c = problem(n, d, k, seed=n + d + k)
        case = {"n": n, "d": d, "k": k, "x_bytes": n * d * 4}
        case["floor_ms"] = case["x_bytes"] / results["bandwidth_bytes_per_s"] * 1e3
        torch.backends.cuda.matmul.allow_tf32 = False
        peer_centers, peer_labels = peer_iteration(x, c)
        case["peer_float32_ms"] = timed(lambda: peer_iteration(x, c))
        torch.backends.cuda.matmul.allow_tf32 = True
        case["peer_tf32_ms"] = timed(lambda: peer_iteration(x, c))
        torch.backends.cuda.matmul.allow_tf32 = False
        for kernel in kernels_for(d, k):
            ours = Ours(n, d, k, kernel)
            ours.iteration(x, c)
            torch.cuda.synchronize()
            case[f"ours_{kernel}_check"] = check(x, c, ours, peer_centers, peer_labels, tf32=kernel.startswith("tf32"))
            case[f"ours_{kernel}_ms"] = timed(lambda: ours.iteration(x, c))
            del ours
        cases.append(case)
        print(json.dumps(case), flush=True)
        del x, c, peer_centers, peer_labels
        torch.cuda.empty_cache()
    results["kmeans"] = cases
    with open(out_path, "w") as f:
        json.dump(results, f, indent=1)

    names = ["resident", "resident-registers", "resident-shared", "tiled", "tf32", "tf32-wmma"]
    print("\n| n | d | k | floor ms | PyTorch fp32 ms | PyTorch tf32 ms | " + " | ".join(f"ours {name} ms" for name in names) + " |")
    for case in cases:
        ours = " | ".join(f"{case[f'ours_{name}_ms'][0]:.3f}" if f"ours_{name}_ms" in case else "—" for name in names)
        print(f"| {case['n']} | {case['d']} | {case['k']} | {case['floor_ms']:.3f} | {case['peer_float32_ms'][0]:.3f} | "
              f"{case['peer_tf32_ms'][0]:.3f} | {ours} |")
    # New against old on the same data, same process: below 1 the new kernel is faster.
    print("\n| n | d | k | resident-registers / resident-shared | tf32 (mma) / tf32-wmma |")
    for case in cases:
        def ratio(new, old):
            return f"{case[f'ours_{new}_ms'][0] / case[f'ours_{old}_ms'][0]:.3f}" if f"ours_{new}_ms" in case and f"ours_{old}_ms" in case else "—"
        print(f"| {case['n']} | {case['d']} | {case['k']} | {ratio('resident-registers', 'resident-shared')} | {ratio('tf32', 'tf32-wmma')} |")


if __name__ == "__main__":
    main()
