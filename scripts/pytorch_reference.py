#!/usr/bin/env python3
"""A plain-PyTorch reference of Perennial's continual-learning protocol, for side-by-side comparison
(scripts/compare-pytorch.sh runs both). Same data, stream, model, optimizer and conventions as the Perennial job it is
compared with, written directly in torch, with no continual-learning library:

  data       Fashion-MNIST IDX files, inputs (x / 255 - 0.2860) / 0.3530
  streams    split: 5 experiences of classes (0,1), (2,3), ... one shared 10-way head (class-incremental)
             permuted: 5 experiences, experience 1 unpermuted (--permute-first: all permuted)
  model      MLP 784-400-400-10, ReLU, U(+-1/sqrt(fan_in)) initialization (PyTorch's default law)
  randomness --rng perennial (default): the initial weights, each experience's shuffling order and the permutations
             are Perennial's own for the seed (its generators rewritten below), so both sides start from the same weights
             and see the same batches and the per-seed difference measures the implementations, not the draw of seeds.
             The draw of shuffle orders alone moved 1-epoch joint accuracy (same initial weights) from 0.8415 +- 0.0006
             (torch.randperm, seeds 1-8) to 0.8388 +- 0.0017 (seeds 1001-1008), NumPy's orders 0.8381 +- 0.0019,
             Perennial's 0.8362 +- 0.0016 (mean +- s.e.): as large as the differences the comparison looks for. Replay sampling and the Fisher's samples still draw from torch's generator.
             --rng torch: torch's own generators for everything.
  training   SGD lr 0.01 momentum 0.9, batch 128, one epoch per experience
  naive      fine-tuning; joint: one pass over all experiences' data, shuffled together
  er         experience-balanced memory of 500 raw samples filled at each experience's end (equal shares, earlier shares
             cut at random); from the second experience on every batch is joined by an equal-size random memory batch
  ewc        after each experience the diagonal empirical Fisher from per-sample gradients of log p(y|x) over 500 random
             samples of it; penalty sum_k (lambda/2) sum_i F_k,i (theta_i - theta*_k,i)^2

Prints one JSON line: accuracy matrix, ACC (mean of the last row), the training loop's seconds, peak RSS.
Debian's python3-torch uses the system BLAS: without OpenBLAS (libopenblas0-pthread) a 2048x2048 product ran at
4.8 GFLOP/s here against 65 with it. With OpenBLAS one torch thread was fastest on the 2-core machine (2.8 s for the
naive split loop against 15.2 s with two, whose threads then compete with OpenBLAS's), hence --threads 1.
Usage: scripts/pytorch_reference.py --stream split|permuted --strategy naive|joint|er|ewc --seed N [--lam L]
       [--data DIR] [--threads T] [--permute-first] [--rng perennial|torch]
"""
import argparse
import gzip
import json
import os
import resource
import time

import numpy as np
import torch
import torch.nn.functional as F


# Perennial's random streams, so that --rng perennial gives both sides the same initial weights, shuffling orders and
# permutations and the comparison is paired: SplitMix64 (java.util.SplittableRandom with the golden gamma), Seeds.derive,
# the Fisher-Yates shuffle and the uniform layer initialization, as in perennial-core (state/Rng, run/Seeds,
# data/Shuffle, model/Initializer).
MASK = (1 << 64) - 1
GAMMA = 0x9E3779B97F4A7C15


def mix64(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def derive(seed, stream):
    h = (seed & MASK) ^ GAMMA
    for b in stream.encode():
        h = mix64((h + b) & MASK)
    return mix64(h)


class SplitMix:
    def __init__(self, seed):
        self.state = seed & MASK

    def next_int(self):  # 32-bit, signed as in Java
        self.state = (self.state + GAMMA) & MASK
        z = self.state
        z = ((z ^ (z >> 33)) * 0x62A9D9ED799705F5) & MASK
        r = (((z ^ (z >> 28)) * 0xCB24D0A5C88C35B3) & MASK) >> 32
        return r - (1 << 32) if r >= 1 << 31 else r

    def below(self, bound):  # RandomGenerator.nextInt(bound): masking for powers of two, else rejection
        r = self.next_int()
        m = bound - 1
        if bound & m == 0:
            return r & m
        u = (r & 0xFFFFFFFF) >> 1
        while True:
            r = u % bound
            if u + m - r < 1 << 31:  # Java's int overflow test (u + m - r < 0)
                return r
            u = (self.next_int() & 0xFFFFFFFF) >> 1

    def shuffled(self, n):
        out = list(range(n))
        for i in range(n - 1, 0, -1):
            j = self.below(i + 1)
            out[i], out[j] = out[j], out[i]
        return torch.tensor(out)

    def uniform(self, shape, bound):  # (2 nextDouble - 1) bound, vectorized over the draws
        n = int(np.prod(shape))
        steps = np.arange(1, n + 1, dtype=np.uint64)
        with np.errstate(over="ignore"):
            z = np.uint64(self.state) + steps * np.uint64(GAMMA)
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            z = z ^ (z >> np.uint64(31))
        self.state = (self.state + n * GAMMA) & MASK
        d = (z >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
        return torch.from_numpy(((2 * d - 1) * bound).astype(np.float32).reshape(shape))


def perennial_init(net, seed):
    rng = SplitMix(derive(seed, "init"))
    with torch.no_grad():
        for layer in [m for m in net if isinstance(m, torch.nn.Linear)]:
            bound = 1.0 / np.sqrt(layer.in_features)
            layer.weight.copy_(rng.uniform(tuple(layer.weight.shape), bound))
            layer.bias.copy_(rng.uniform(tuple(layer.bias.shape), bound))


def idx(path):
    with (gzip.open(path) if path.endswith(".gz") else open(path, "rb")) as f:
        data = f.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(folder):
    def part(stem):
        for name in (stem, stem + ".gz"):
            if os.path.exists(os.path.join(folder, name)):
                return idx(os.path.join(folder, name))
        raise SystemExit(f"error: {folder} has no {stem}[.gz]")
    def norm(x):
        return (torch.from_numpy(x.reshape(len(x), -1).astype(np.float32)) / 255 - 0.2860) / 0.3530
    return (norm(part("train-images-idx3-ubyte")), torch.from_numpy(part("train-labels-idx1-ubyte").astype(np.int64)),
            norm(part("t10k-images-idx3-ubyte")), torch.from_numpy(part("t10k-labels-idx1-ubyte").astype(np.int64)))


def stream(kind, data, seed, permute_first, rng):
    xtr, ytr, xte, yte = data
    out = []
    if kind == "split":
        for t in range(5):
            tr = (ytr == 2 * t) | (ytr == 2 * t + 1)
            te = (yte == 2 * t) | (yte == 2 * t + 1)
            out.append((xtr[tr], ytr[tr], xte[te], yte[te]))
        return out
    if rng == "perennial":  # Perennial's permutations: one stream for experiences 2.., its own for a permuted first one
        scenario = derive(seed, "scenario")
        later = SplitMix(scenario)
        first = SplitMix(scenario ^ GAMMA).shuffled(784) if permute_first else torch.arange(784)
        perms = [first] + [later.shuffled(784) for _ in range(4)]
    else:
        g = torch.Generator().manual_seed(seed)
        perms = [torch.randperm(784, generator=g) if (t > 0 or permute_first) else torch.arange(784) for t in range(5)]
    for perm in perms:
        out.append((xtr[:, perm], ytr, xte[:, perm], yte))
    return out


def model():
    return torch.nn.Sequential(torch.nn.Linear(784, 400), torch.nn.ReLU(), torch.nn.Linear(400, 400), torch.nn.ReLU(),
                               torch.nn.Linear(400, 10))


def accuracy(net, x, y):
    with torch.no_grad():
        return sum((net(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000)) / len(x)


class Memory:
    """Experience-balanced: after k experiences each holds capacity / k samples (the first ones one more)."""

    def __init__(self, capacity, g):
        self.capacity, self.g, self.groups = capacity, g, []

    def fill(self, x, y):
        k = len(self.groups) + 1
        share = [self.capacity // k + (i < self.capacity % k) for i in range(k)]
        self.groups = [(gx[p[:share[i]]], gy[p[:share[i]]]) for i, (gx, gy) in enumerate(self.groups)
                       for p in [torch.randperm(len(gx), generator=self.g)]]
        p = torch.randperm(len(x), generator=self.g)[:share[-1]]
        self.groups.append((x[p], y[p]))

    def sample(self, n):
        x = torch.cat([gx for gx, _ in self.groups])
        y = torch.cat([gy for _, gy in self.groups])
        p = torch.randperm(len(x), generator=self.g)[:n]
        return x[p], y[p]


def fisher(net, x, y, samples, g):
    total = [torch.zeros_like(p) for p in net.parameters()]
    pick = torch.randperm(len(x), generator=g)[:samples]
    for i in pick:
        net.zero_grad()
        F.log_softmax(net(x[i:i + 1]), 1)[0, y[i]].backward()
        for t, p in zip(total, net.parameters()):
            t += p.grad ** 2
    return [t / len(pick) for t in total]


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--stream", choices=["split", "permuted"], required=True)
    a.add_argument("--strategy", choices=["naive", "joint", "er", "ewc"], required=True)
    a.add_argument("--seed", type=int, default=1)
    a.add_argument("--lam", type=float, default=100.0)
    a.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    a.add_argument("--threads", type=int, default=1)
    a.add_argument("--permute-first", action="store_true")
    a.add_argument("--rng", choices=["perennial", "torch"], default="perennial",
                   help="perennial: Perennial's initial weights, shuffling orders and permutations for the seed (a paired "
                        "comparison); torch: torch's own generators")
    o = a.parse_args()
    torch.set_num_threads(o.threads)
    torch.manual_seed(o.seed)
    g = torch.Generator().manual_seed(o.seed)
    experiences = stream(o.stream, load(o.data), o.seed, o.permute_first, o.rng)
    net = model()
    if o.rng == "perennial":
        perennial_init(net, o.seed)
    opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    memory = Memory(500, g) if o.strategy == "er" else None
    anchors = []  # (fisher, weights) per finished experience, for EWC
    rows, loop = [], 0.0
    rounds = [(torch.cat([e[0] for e in experiences]), torch.cat([e[1] for e in experiences]))] if o.strategy == "joint" \
        else [(e[0], e[1]) for e in experiences]
    for k, (x, y) in enumerate(rounds):
        # drawn before the clock starts: Perennial's shuffle is a Python loop here, not part of the protocol's cost
        order = SplitMix(derive(o.seed, f"shuffle-{k}")).shuffled(len(x)) if o.rng == "perennial" \
            else torch.randperm(len(x), generator=g)
        start = time.perf_counter()
        for b in range(0, len(x), 128):
            bx, by = x[order[b:b + 128]], y[order[b:b + 128]]
            if memory is not None and memory.groups:
                mx, my = memory.sample(len(bx))
                bx, by = torch.cat([bx, mx]), torch.cat([by, my])
            loss = F.cross_entropy(net(bx), by)
            for f, w in anchors:
                loss = loss + o.lam / 2 * sum((fi * (p - wi) ** 2).sum() for fi, p, wi in zip(f, net.parameters(), w))
            opt.zero_grad()
            loss.backward()
            opt.step()
        if memory is not None:
            memory.fill(x, y)
        if o.strategy == "ewc":
            anchors.append((fisher(net, x, y, 500, g), [p.detach().clone() for p in net.parameters()]))
        loop += time.perf_counter() - start
        rows.append([accuracy(net, e[2], e[3]) for e in experiences])
    print(json.dumps({"stream": o.stream, "strategy": o.strategy, "seed": o.seed, "matrix": rows,
                      "acc": sum(rows[-1]) / len(rows[-1]), "loop_seconds": loop,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
