"""One launch of each K-Means kernel at the benchmark's sizes (the resident kernel with its sums in
registers and in shared memory, the TF32 kernel on mma.sync and on WMMA), for Nsight Compute:
ncu --kernel-name regex:'Resident|Tiled|Tf32' python3 profile_kmeans.py LIB [first case]"""
import sys

import torch

import kmeans_gpu

kmeans_gpu.load(sys.argv[1])
CASES = [(2 ** 24, 32, 16, "resident-registers"), (2 ** 24, 32, 16, "resident-shared"), (2 ** 22, 128, 1024, "tiled"),
         (2 ** 22, 128, 1024, "tf32"), (2 ** 22, 128, 1024, "tf32-wmma")]
# argv[2]: the first case to launch (PROFILE=deep starts at the tiled one).
for n, d, k, kernel in CASES[int(sys.argv[2]) if len(sys.argv) > 2 else 0:]:
    x, c = kmeans_gpu.problem(n, d, k, seed=1)
    kmeans_gpu.Ours(n, d, k, kernel).iteration(x, c)
    torch.cuda.synchronize()
