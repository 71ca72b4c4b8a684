"""Train the CNV of examples/cifar_cnv.py briefly on scikit-learn's digits, made CNV-sized.

There is no CIFAR-10 here (no download), so the CNV learns the shipped digits instead, each
8x8 image turned into a 3x32x32 one by :func:`to_cnv_images`: every pixel repeated into a
4x4 block (nearest-neighbour upsampling by 4, a fixed interpolation) and the grey image
copied to the three channels. The split is the digits examples' (80 / 20, stratified,
``random_state=0``: 1,437 training and 360 validation images).

:func:`train_cnv` trains the float network with torch (the ``[qat]`` extra), seeded and
deterministic: ``torch.manual_seed``, ``torch.use_deterministic_algorithms(True)``, one
thread, a seeded numpy generator for the batch order and the augmentation (each training
image shifted by up to :attr:`Settings.max_shift` pixels in x and y, zero-filled, freshly
each epoch). Adam with a cosine learning-rate schedule, cross-entropy, no weight decay.
It returns the weights under the ONNX model's initializer names (``conv1.weight`` ...
``fc3.bias``), so ``cifar_cnv.cnv_onnx(weights=...)`` builds the very graph the random
variant builds.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from digits_cnn import load_data

#: Each digit pixel becomes an UPSAMPLE x UPSAMPLE block: 8x8 -> 32x32.
UPSAMPLE = 4
CHANNELS = 3


@dataclass(frozen=True)
class Settings:
    """Training settings; with the seed they key the cached model."""

    seed: int = 0
    epochs: int = 12
    batch: int = 64
    lr: float = 1e-3
    #: Largest shift of a training image, pixels of the 32x32 image, in x and in y.
    max_shift: int = 3

    def key(self) -> str:
        """A short hash of the settings (and of the recipe's version)."""
        text = json.dumps({"recipe": 1, **asdict(self)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:12]


def to_cnv_images(x: np.ndarray) -> np.ndarray:
    """Digits ``(N, 1, 8, 8)`` in [0, 1] -> ``(N, 3, 32, 32)`` float32: each pixel repeated
    into a 4x4 block, the grey image copied to the three channels."""
    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 4 or x.shape[1:] != (1, 8, 8):
        raise ValueError(f"expected digits images of shape (N, 1, 8, 8), not {x.shape}")
    big = np.repeat(np.repeat(x, UPSAMPLE, axis=2), UPSAMPLE, axis=3)
    return np.ascontiguousarray(np.repeat(big, CHANNELS, axis=1))


def cnv_digits(seed: int = 0):
    """``(x_train, x_val, y_train, y_val)``: the digits split as 3x32x32 images."""
    x_train, x_val, y_train, y_val = load_data(seed)
    return to_cnv_images(x_train), to_cnv_images(x_val), y_train, y_val


def shifted(x: np.ndarray, rng: np.random.Generator, max_shift: int) -> np.ndarray:
    """Each image moved by its own random (dy, dx) in [-max_shift, max_shift], zero-filled."""
    if max_shift == 0:
        return x
    n, _, h, w = x.shape
    m = max_shift
    padded = np.pad(x, ((0, 0), (0, 0), (m, m), (m, m)))
    dy, dx = rng.integers(-m, m + 1, size=(2, n))
    out = np.empty_like(x)
    for i in range(n):
        out[i] = padded[i, :, m - dy[i]:m - dy[i] + h, m - dx[i]:m - dx[i] + w]
    return out


def torch_cnv(convs, dense, image):
    """The CNV as a ``torch.nn.Sequential`` whose parameter names are the ONNX model's
    initializer names (``conv1.weight``, ``fc1.bias``, ...)."""
    from torch import nn
    layers, channels, size, conv, pool = OrderedDict(), image[0], image[1], 0, 0
    for item in convs:
        if item == "pool":
            pool += 1
            layers[f"pool{pool}"] = nn.MaxPool2d(2)
            size //= 2
            continue
        conv += 1
        layers[f"conv{conv}"] = nn.Conv2d(channels, item, 3)
        layers[f"relu{conv}"] = nn.ReLU()
        channels, size = item, size - 2
    layers["flatten"] = nn.Flatten()
    features = channels * size * size
    for i, out in enumerate(dense, 1):
        layers[f"fc{i}"] = nn.Linear(features, out)
        if i < len(dense):
            layers[f"relu_fc{i}"] = nn.ReLU()
        features = out
    return nn.Sequential(layers)


def _he_init(net) -> None:
    """He-normal weights (std sqrt(2 / fan_in)), zero biases: as the random variant."""
    from torch import nn
    for module in net.modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(module.weight, nonlinearity="relu")
            nn.init.zeros_(module.bias)


def _accuracy(net, x: np.ndarray, y: np.ndarray) -> float:
    import torch
    with torch.no_grad():
        logits = torch.cat([net(torch.from_numpy(x[i:i + 256])) for i in range(0, len(x), 256)])
    return float((logits.argmax(dim=1).numpy() == y).mean())


def train_cnv(convs, dense, image, settings: Settings = Settings(), log=print, data=None):
    """Train the CNV on :func:`cnv_digits` (or ``data``, the same four arrays: a test's few
    images); returns ``(weights, info)``.

    ``weights`` maps each ONNX initializer name to a float32 array; ``info`` holds the float
    accuracy on the training and validation splits, the CPU and wall seconds of training and
    the torch version.
    """
    import torch
    x_train, x_val, y_train, y_val = cnv_digits() if data is None else data
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    try:
        torch.manual_seed(settings.seed)
        rng = np.random.default_rng([settings.seed, 7])
        net = torch_cnv(convs, dense, image)
        _he_init(net)
        optimizer = torch.optim.Adam(net.parameters(), lr=settings.lr)
        # the learning rate falls along a cosine to 0 at the last epoch
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, settings.epochs)
        labels = torch.from_numpy(np.asarray(y_train, dtype=np.int64))
        cpu, wall = time.process_time(), time.monotonic()
        for epoch in range(settings.epochs):
            net.train()
            order = rng.permutation(len(x_train))
            x_epoch = torch.from_numpy(shifted(x_train[order], rng, settings.max_shift))
            y_epoch, total = labels[order], 0.0
            for start in range(0, len(order), settings.batch):
                optimizer.zero_grad()
                loss = torch.nn.functional.cross_entropy(
                    net(x_epoch[start:start + settings.batch]),
                    y_epoch[start:start + settings.batch])
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(y_epoch[start:start + settings.batch])
            schedule.step()
            log(f"epoch {epoch + 1}/{settings.epochs}: loss {total / len(order):.4f} "
                f"[{time.process_time() - cpu:.0f} s CPU]")
        net.eval()
        info = {"train_accuracy": _accuracy(net, x_train, y_train),
                "val_accuracy": _accuracy(net, x_val, y_val),
                "train_cpu_s": round(time.process_time() - cpu, 1),
                "train_wall_s": round(time.monotonic() - wall, 1),
                "torch": torch.__version__, "settings": asdict(settings)}
        weights = {name: value.detach().numpy().astype(np.float32).copy()
                   for name, value in net.state_dict().items()}
    finally:
        torch.set_num_threads(threads)
        torch.use_deterministic_algorithms(deterministic)
    return weights, info
