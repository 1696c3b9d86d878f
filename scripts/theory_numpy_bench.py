#!/usr/bin/env python3
"""NumPy reference of the theory lab's learner iteration, for `perennial theory bench` (which runs it as a worker on
Perennial's own instance and ordering, alternating timed runs with its own) or on its own.

One iteration visits task m = tau(t) and applies the learner's update to w in R^d:
  operator  w <- w - A_m (X_m w - y_m) with a precomputed d x r gain A_m: the pseudo-inverse X_m^+ (projection),
            X_m^T (X_m X_m^T + lambda I)^-1 (ridge, = (X_m^T X_m + lambda I)^-1 X_m^T) or
            eta sum_{k<K} (I - eta X_m^T X_m)^k X_m^T (K gradient steps); reads X_m and A_m, two r x d blocks
  factors   w <- w - (phi * (V_m w - b_m)) V_m on NumPy's thin SVD X_m = U S V_m, b = U^T y / s, phi the learner's
            filter (1, s^2/(s^2 + lambda), 1 - (1 - eta s^2)^K); Perennial's representation (it applies the same update
            in blocks of four rows, exact because V_m's rows are orthonormal)
Both cost 2 d r multiply-adds. Perennial's task (X, y) is its factorization: the worker receives V, s and c = U^T y and
uses X = diag(s) V, y = c, which has the same updates for all three learners.

Worker mode (--worker DIR): reads DIR/factors.bin and DIR/order.bin (little-endian float64 / int32), answers lines on
stdin: "check LEARNER FORM N" (run N iterations from w = 0, write w to DIR/w.bin, reply "ok") and "time LEARNER FORM N"
(reply "rate WALL CPU": iterations per second of wall-clock and of process CPU time); "quit" ends. The BLAS thread
count is the caller's OPENBLAS_NUM_THREADS.
Standalone: scripts/theory_numpy_bench.py [--dim 1000 --tasks 50 --rank 20 --iterations 20000 --runs 5] draws a
Gaussian instance (X_m i.i.d. N(0, 1), y_m = X_m w_bar) and prints the rates of every learner and form.
"""
import argparse
import json
import os
import platform
import sys
import time

import numpy as np

LEARNERS = ("projection", "ridge", "gd")
FORMS = ("operator", "factors")


class Instance:
    """Per-task X, y, gains and SVD factors for the three learners (lambda fixed, K fixed, eta default 1/R^2)."""

    def __init__(self, xs, ys, lam, steps, eta):
        self.d = xs[0].shape[1]
        if eta is None:
            eta = 1.0 / max(np.linalg.norm(x, 2) for x in xs) ** 2
        self.lam, self.steps, self.eta = lam, steps, eta
        self.x = [np.ascontiguousarray(x) for x in xs]
        self.y = list(ys)
        self.gain = {name: [] for name in LEARNERS}
        self.v, self.b, self.phi = [], [], {name: [] for name in LEARNERS}
        for x, y in zip(self.x, self.y):
            r = x.shape[0]
            self.gain["projection"].append(np.ascontiguousarray(np.linalg.pinv(x)))
            outer = x @ x.T
            self.gain["ridge"].append(np.ascontiguousarray(np.linalg.solve(outer + lam * np.eye(r), x).T))
            # (I - eta X^T X)^k X^T = X^T (I - eta X X^T)^k: the K-step gain through r x r matrices
            contraction = np.eye(r) - eta * outer
            power, total = np.eye(r), np.zeros((r, r))
            for _ in range(steps):
                total += power
                power = contraction @ power
            self.gain["gd"].append(np.ascontiguousarray(eta * (x.T @ total)))
            u, s, vt = np.linalg.svd(x, full_matrices=False)
            keep = s > max(x.shape) * np.finfo(float).eps * s[0]
            u, s, vt = u[:, keep], s[keep], vt[keep]
            self.v.append(np.ascontiguousarray(vt))
            self.b.append((u.T @ y) / s)
            s2 = s * s
            self.phi["projection"].append(None)
            self.phi["ridge"].append(s2 / (s2 + lam))
            self.phi["gd"].append(1 - (1 - eta * s2) ** steps)

    def run(self, learner, form, order):
        """Applies the iteration for each task index in order (a list of ints) from w = 0; returns w."""
        w = np.zeros(self.d)
        if form == "operator":
            xs, ys, gains = self.x, self.y, self.gain[learner]
            for m in order:
                w -= gains[m] @ (xs[m] @ w - ys[m])
        elif learner == "projection":
            vs, bs = self.v, self.b
            for m in order:
                v = vs[m]
                w -= (v @ w - bs[m]) @ v
        else:
            vs, bs, phis = self.v, self.b, self.phi[learner]
            for m in order:
                v = vs[m]
                w -= (phis[m] * (v @ w - bs[m])) @ v
        return w

    def rate(self, learner, form, order):
        """Iterations per second of wall-clock time and of the process's CPU time (all BLAS threads)."""
        start, cpu = time.perf_counter(), time.process_time()
        self.run(learner, form, order)
        return len(order) / (time.perf_counter() - start), len(order) / (time.process_time() - cpu)


def blas():
    try:
        config = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{config.get('name', '?')} {config.get('version', '')}".strip()
    except Exception:  # older NumPy: no dict mode
        return "unknown BLAS"


def read_factors(directory):
    """factors.bin: d, T, then per task r, V (r x d), s (r), c (r); all float64 little-endian."""
    data = np.fromfile(os.path.join(directory, "factors.bin"), dtype="<f8")
    d, tasks = int(data[0]), int(data[1])
    pos, xs, ys = 2, [], []
    for _ in range(tasks):
        r = int(data[pos])
        pos += 1
        v = data[pos:pos + r * d].reshape(r, d)
        pos += r * d
        s = data[pos:pos + r]
        pos += r
        c = data[pos:pos + r]
        pos += r
        xs.append(s[:, None] * v)
        ys.append(c.copy())
    return xs, ys


def worker(args):
    xs, ys = read_factors(args.worker)
    order = np.fromfile(os.path.join(args.worker, "order.bin"), dtype="<i4").tolist()
    inst = Instance(xs, ys, args.lam, args.steps, args.eta)
    print("ready " + json.dumps({"numpy_version": np.__version__, "python": platform.python_version(), "blas": blas()}), flush=True)
    for line in sys.stdin:
        parts = line.split()
        if not parts or parts[0] == "quit":
            break
        command, learner, form, n = parts[0], parts[1], parts[2], int(parts[3])
        if command == "check":
            inst.run(learner, form, order[:n]).astype("<f8").tofile(os.path.join(args.worker, "w.bin"))
            print("ok", flush=True)
        elif command == "time":
            wall, cpu = inst.rate(learner, form, order[:n])
            print(f"rate {wall!r} {cpu!r}", flush=True)
        else:
            print(f"error unknown command {command}", flush=True)


def standalone(args):
    rng = np.random.default_rng(args.seed)
    xs = [rng.standard_normal((args.rank, args.dim)) for _ in range(args.tasks)]
    teacher = rng.standard_normal(args.dim) / np.sqrt(args.dim)
    inst = Instance(xs, [x @ teacher for x in xs], args.lam, args.steps, args.eta)
    order = rng.integers(0, args.tasks, args.iterations).tolist()
    print(f"NumPy {np.__version__} ({blas()}), OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}: "
          f"d={args.dim} T={args.tasks} r={args.rank}, {args.runs} runs of {args.iterations} iterations after a warm-up")
    for learner in LEARNERS:
        for form in FORMS:
            inst.run(learner, form, order[:2000])
            rates = sorted(inst.rate(learner, form, order)[0] for _ in range(args.runs))
            print(f"{learner:10s} {form:8s} {rates[len(rates) // 2]:10,.0f} iterations/s (median; range "
                  f"{rates[0]:,.0f}-{rates[-1]:,.0f})")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--worker", metavar="DIR", help="serve `perennial theory bench` on the instance in DIR")
    p.add_argument("--dim", type=int, default=1000)
    p.add_argument("--tasks", type=int, default=50)
    p.add_argument("--rank", type=int, default=20)
    p.add_argument("--iterations", type=int, default=20000)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lam", type=float, default=1.0, help="ridge: fixed lambda (default 1)")
    p.add_argument("--steps", type=int, default=10, help="gd: fixed K (default 10)")
    p.add_argument("--eta", type=float, default=None, help="gd: step size (default 1/R^2, R = max_m ||X_m||_2)")
    args = p.parse_args()
    worker(args) if args.worker else standalone(args)


if __name__ == "__main__":
    main()
