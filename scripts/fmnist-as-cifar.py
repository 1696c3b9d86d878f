#!/usr/bin/env python3
"""Writes Fashion-MNIST in the CIFAR-10 binary format: each 28x28 grey image padded by 2 pixels to 32x32 and repeated in
three channels, records of 1 label byte + 3072 pixel bytes (channel-major), the 60,000 training images in
data_batch_1.bin .. data_batch_5.bin and the 10,000 test images in test_batch.bin. A stand-in with CIFAR's layout for
trying the CIFAR presets and the ResNet on a machine without CIFAR (Python's standard library only).
Usage: scripts/fmnist-as-cifar.py OUTPUT_DIR [FASHION_MNIST_DIR]   (default /usr/share/datasets/fashion-mnist)
"""
import gzip
import os
import struct
import sys


def idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    rank = data[3]
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return dims, data[4 + 4 * rank:]


def find(folder, stem):
    for name in (stem, stem + ".gz"):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    sys.exit(f"error: {folder} has no {stem}[.gz]; install dataset-fashion-mnist or give the folder")


def records(images, labels):
    (n, h, w), pixels = images
    _, ys = labels
    out = bytearray()
    pad = (32 - h) // 2
    for i in range(n):
        plane = bytearray(32 * 32)
        for r in range(h):
            row = pixels[(i * h + r) * w:(i * h + r + 1) * w]
            plane[(r + pad) * 32 + pad:(r + pad) * 32 + pad + w] = row
        out.append(ys[i])
        out += plane * 3
    return out


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    src = sys.argv[2] if len(sys.argv) > 2 else "/usr/share/datasets/fashion-mnist"
    os.makedirs(out, exist_ok=True)
    train = records(idx(find(src, "train-images-idx3-ubyte")), idx(find(src, "train-labels-idx1-ubyte")))
    size = 1 + 3 * 32 * 32
    per_file = len(train) // size // 5
    for b in range(5):
        with open(os.path.join(out, f"data_batch_{b + 1}.bin"), "wb") as f:
            f.write(train[b * per_file * size:(b + 1) * per_file * size])
    with open(os.path.join(out, "test_batch.bin"), "wb") as f:
        f.write(records(idx(find(src, "t10k-images-idx3-ubyte")), idx(find(src, "t10k-labels-idx1-ubyte"))))
    print(f"wrote Fashion-MNIST as CIFAR-10 binary files into {out}")
