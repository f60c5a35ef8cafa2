"""GPU Linear Learner: one epoch of several models at once (logistic loss, Adam, L2), our CUDA
kernel against PyTorch eager doing the same steps, same data, same GPU, same process.

The peer is what a PyTorch user writes: per mini-batch one matrix product for all models' scores,
the logistic loss and its gradient, one matrix product for the weights' gradients, and Adam's
update on the weights and biases — every operation a kernel launch of its own. Ours (when the
shared library has it) is called through ctypes on the same device tensors. Both are timed per
epoch with CUDA events, median of `repeats` after a warm-up; the weights after one epoch are
compared. Then evaluating every model's metrics over all rows (loss, rows right, predicted and
actual positives), PyTorch's matrix product and reductions against our evaluation kernel, on the
peer's trained weights.

Usage: python3 linear_learner_gpu.py LIB OUT_JSON [repeats]
"""
import ctypes
import json
import sys

import torch

import gpu_timing

lib_path, out_path = sys.argv[1], sys.argv[2]
repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 10
device = torch.device("cuda")
n, d, models, batch = 2 ** 24, 128, 32, 4096
wd, beta1, beta2, epsilon = 1e-4, 0.9, 0.999, 1e-8

g = torch.Generator(device=device).manual_seed(7)
x = torch.randn(n, d, generator=g, device=device)
truth = torch.randn(d, generator=g, device=device)
y = ((x @ truth + 0.5 * torch.randn(n, generator=g, device=device)) > 0).float()
rates = torch.tensor([0.001 * (m + 1) for m in range(models)], device=device)


def peer_epoch():
    w = torch.zeros(d, models, device=device)
    b = torch.zeros(models, device=device)
    mw, vw, mb, vb = torch.zeros_like(w), torch.zeros_like(w), torch.zeros_like(b), torch.zeros_like(b)
    losses = torch.zeros(models, device=device)
    for step, start in enumerate(range(0, n, batch), start=1):
        xb, yb = x[start:start + batch], y[start:start + batch, None]
        scores = torch.addmm(b, xb, w)
        losses += torch.nn.functional.softplus(torch.where(yb > 0.5, -scores, scores)).sum(0)
        grad = torch.sigmoid(scores) - yb
        gw = torch.addmm(w, xb.t(), grad, beta=wd, alpha=1.0 / xb.shape[0])
        gb = grad.mean(0)
        for param, grad_, m1, v1 in ((w, gw, mw, vw), (b, gb, mb, vb)):
            m1.mul_(beta1).add_(grad_, alpha=1 - beta1)
            v1.mul_(beta2).addcmul_(grad_, grad_, value=1 - beta2)
            denom = (v1 / (1 - beta2 ** step)).sqrt_().add_(epsilon)
            param.sub_(rates * (m1 / (1 - beta1 ** step)) / denom)
    return w, b, losses / n


def timed(fn):
    return gpu_timing.timed(fn, repeats, warmups=1)


torch.backends.cuda.matmul.allow_tf32 = False
result = {"device": torch.cuda.get_device_name(), "n": n, "d": d, "models": models, "batch": batch, "repeats": repeats}
pw, pb, plosses = peer_epoch()
result["peer_ms"] = timed(peer_epoch)
result["x_bytes"] = n * d * 4

lib = ctypes.CDLL(lib_path)
if hasattr(lib, "sm_linear_epoch"):
    lib.sm_linear_epoch.restype = ctypes.c_char_p
    lib.sm_linear_epoch.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_size_t,
                                    ctypes.c_size_t, ctypes.c_void_p, ctypes.c_double, ctypes.c_void_p, ctypes.c_void_p,
                                    ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p,
                                    ctypes.c_void_p]
    state = {}

    def ours_epoch():
        state["w"] = torch.zeros(models, d, device=device)
        state["b"] = torch.zeros(models, device=device)
        state["moments"] = [torch.zeros(models, d, device=device) for _ in range(2)] + [torch.zeros(models, device=device) for _ in range(2)]
        state["losses"] = torch.zeros(models, dtype=torch.float64, device=device)
        state["scratch"] = torch.zeros(models * (d + 1) + 64, dtype=torch.float32, device=device)
        m1, v1, mb, vb = state["moments"]
        error = lib.sm_linear_epoch(x.data_ptr(), y.data_ptr(), n, d, models, batch, rates.data_ptr(), wd,
                                    state["w"].data_ptr(), state["b"].data_ptr(), m1.data_ptr(), v1.data_ptr(),
                                    mb.data_ptr(), vb.data_ptr(), state["losses"].data_ptr(), state["scratch"].data_ptr())
        if error:
            raise RuntimeError(error.decode())

    ours_epoch()
    torch.cuda.synchronize()
    result["max_weight_difference_vs_peer"] = float((state["w"].t() - pw).abs().max())
    result["max_bias_difference_vs_peer"] = float((state["b"] - pb).abs().max())
    result["max_loss_difference_vs_peer"] = float((state["losses"] / n - plosses.double()).abs().max())
    result["ours_ms"] = timed(ours_epoch)


# Evaluating every model over all rows after the epoch (as training does each epoch), on the
# peer's trained weights: PyTorch with one matrix product and reductions, against our kernel.
def peer_evaluate():
    scores = torch.addmm(pb, x, pw)
    positive = y[:, None] > 0.5
    loss = torch.nn.functional.softplus(torch.where(positive, -scores, scores)).double().sum(0)
    predicted = scores > 0
    right_one = (predicted & positive).sum(0)
    return loss, (predicted == positive).sum(0), predicted.sum(0), right_one


peer_loss, peer_right, _, _ = peer_evaluate()
result["peer_evaluate_ms"] = timed(peer_evaluate)
if hasattr(lib, "sm_linear_evaluate"):
    lib.sm_linear_evaluate.restype = ctypes.c_char_p
    lib.sm_linear_evaluate.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t, ctypes.c_size_t, ctypes.c_size_t,
                                       ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
    weights_by_model = pw.t().contiguous()
    width = 4 + 3 * 2  # loss, squared, absolute, correct, then right / predicted / actual of classes 0 and 1
    sums = torch.zeros(models, width, dtype=torch.float64, device=device)

    def ours_evaluate():
        error = lib.sm_linear_evaluate(x.data_ptr(), y.data_ptr(), n, d, models, weights_by_model.data_ptr(), pb.data_ptr(), sums.data_ptr())
        if error:
            raise RuntimeError(error.decode())

    ours_evaluate()
    torch.cuda.synchronize()
    result["max_evaluate_loss_difference_vs_peer"] = float(((sums[:, 0] - peer_loss) / n).abs().max())
    result["max_evaluate_right_rows_difference_vs_peer"] = int((sums[:, 3] - peer_right.double()).abs().max())
    result["ours_evaluate_ms"] = timed(ours_evaluate)
with open(out_path, "w") as f:
    json.dump(result, f, indent=1)
print(json.dumps(result))
