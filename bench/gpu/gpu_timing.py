"""Timing on the GPU for the benchmarks here: CUDA events around each run, after warm-ups."""
import statistics

import torch


def timed(fn, repeats, warmups=3):
    """Runs fn `warmups` times, then `repeats` timed times; returns (median, min, max) in ms."""
    for _ in range(warmups):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(repeats):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        fn()
        end.record()
        end.synchronize()
        times.append(start.elapsed_time(end))
    return statistics.median(times), min(times), max(times)
