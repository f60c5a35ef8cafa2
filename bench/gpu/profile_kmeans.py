"""One launch of each K-Means kernel at the benchmark's sizes, for Nsight Compute to profile:
ncu --kernel-name regex:'Resident|Tiled' python3 profile_kmeans.py LIB"""
import sys

import torch

import kmeans_gpu

kmeans_gpu.load(sys.argv[1])
for n, d, k, kernel in [(2 ** 24, 32, 16, "resident"), (2 ** 22, 128, 1024, "tiled"), (2 ** 22, 128, 1024, "tf32")][int(sys.argv[2]) if len(sys.argv) > 2 else 0:]:
    x, c = kmeans_gpu.problem(n, d, k, seed=1)
    kmeans_gpu.Ours(n, d, k, kernel).iteration(x, c)
    torch.cuda.synchronize()
