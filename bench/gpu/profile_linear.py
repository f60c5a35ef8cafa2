"""A short epoch of our Linear Learner kernel (n = 2^20: 256 mini-batches) for Nsight Compute,
and its wall time per mini-batch with and without the profiler:
ncu --kernel-name LinearStepKernel --launch-count 3 python3 profile_linear.py LIB"""
import ctypes
import sys

import torch

lib = ctypes.CDLL(sys.argv[1])
lib.sm_linear_epoch.restype = ctypes.c_char_p
device = torch.device("cuda")
n, d, models, batch = 2 ** 20, 128, 32, 4096
x = torch.randn(n, d, device=device)
y = (x[:, 0] > 0).float()
rates = torch.full((models,), 0.01, device=device)
w, b = torch.zeros(models, d, device=device), torch.zeros(models, device=device)
m1, v1, mb, vb = torch.zeros_like(w), torch.zeros_like(w), torch.zeros_like(b), torch.zeros_like(b)
losses = torch.zeros(models, dtype=torch.float64, device=device)
scratch = torch.zeros(models * (d + 1) + 64, device=device)
args = [ctypes.c_void_p(t.data_ptr()) for t in (x, y)] + [ctypes.c_size_t(v) for v in (n, d, models, batch)] + [
    ctypes.c_void_p(rates.data_ptr()), ctypes.c_double(1e-4)] + [ctypes.c_void_p(t.data_ptr()) for t in (w, b, m1, v1, mb, vb, losses, scratch)]
for _ in range(2):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    assert lib.sm_linear_epoch(*args) is None
    end.record()
    end.synchronize()
    print(f"epoch of {n // batch} mini-batches: {start.elapsed_time(end):.2f} ms, {start.elapsed_time(end) * 1000 / (n // batch):.1f} us per mini-batch")
