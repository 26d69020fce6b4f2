#!/usr/bin/python3
"""Train the zoo's multi-label model: a small DenseNet with a sigmoid head on Fashion-MNIST.

Usage: /usr/bin/python3 tests/models/train_fashion_multilabel.py [OUTDIR]   (default build/zoo)

CheXNet in miniature: DenseNet blocks (BatchNorm, ReLU, convolution, concatenation), global
pooling and one sigmoid per class, trained with binary cross-entropy so that each of the ten
classes is an independent label, as each of ChestX-ray14's findings is. Writes
fashion_multilabel.onnx (input "input" [batch,1,28,28] f32 = pixels / 255, output "output"
[batch,10] probabilities) and fashion_multilabel_reference.json: PyTorch's AUROC per class on
the 10,000-image test set, which Zenith's INT8 must keep to 99% class by class. Seeded, 2 threads.
"""

import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

from train_fashion_mnist import PIXEL_MEAN, PIXEL_STD, stamp_text, trained, up_to_date, write_model

SEED = 5
EPOCHS = 1
# The first half of the training set, enough for every class's AUROC to pass 0.85 (the INT8 test
# asks that much): the whole set took 198 s alone on an AVX2 host, this 86 s.
TRAIN_IMAGES = 30000
BATCH_SIZE = 128
LEARNING_RATE = 2e-3
GROWTH = 12
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
           "Bag", "Ankle boot"]


class DenseLayer(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.body = nn.Sequential(nn.BatchNorm2d(channels), nn.ReLU(),
                                  nn.Conv2d(channels, GROWTH, 3, padding=1, bias=False))

    def forward(self, x):
        return torch.cat([x, self.body(x)], 1)


def dense_block(channels, layers):
    return nn.Sequential(*[DenseLayer(channels + i * GROWTH) for i in range(layers)]), channels + layers * GROWTH


class TinyDenseNet(nn.Module):
    def __init__(self):
        super().__init__()
        first, c = dense_block(16, 3)
        transition = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(), nn.Conv2d(c, c // 2, 1, bias=False),
                                   nn.AvgPool2d(2))
        second, c2 = dense_block(c // 2, 3)
        self.features = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1, bias=False), first, transition, second,
                                      nn.BatchNorm2d(c2), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.classifier = nn.Linear(c2, len(CLASSES))

    def forward(self, x):
        return torch.sigmoid(self.classifier(self.features((x - PIXEL_MEAN) / PIXEL_STD)))


def train(model, x, y):
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    generator = torch.Generator().manual_seed(SEED)
    x, y = x[:TRAIN_IMAGES], y[:TRAIN_IMAGES]
    targets = nn.functional.one_hot(y, len(CLASSES)).float()
    model.train()
    for epoch in range(EPOCHS):
        order = torch.randperm(len(x), generator=generator)
        for first in range(0, len(x), BATCH_SIZE):
            batch = order[first:first + BATCH_SIZE]
            optimizer.zero_grad()
            nn.functional.binary_cross_entropy(model(x[batch]), targets[batch]).backward()
            optimizer.step()
    model.eval()


def auroc(scores, positive):
    # The Mann-Whitney U statistic over n_pos * n_neg, ties counted 1/2 (average ranks).
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    sorted_scores = scores[order]
    i = 0
    while i < len(scores):
        j = i
        while j + 1 < len(scores) and sorted_scores[j + 1] == sorted_scores[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    n_pos = positive.sum()
    n_neg = len(scores) - n_pos
    return (ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def main():
    outdir = Path(sys.argv[1] if len(sys.argv) > 1 else "build/zoo")
    expected = stamp_text() + Path(__file__).read_text()
    if up_to_date(outdir, "fashion_multilabel", expected):
        return
    torch.manual_seed(SEED)

    model = TinyDenseNet()
    test_x, test_y, seconds = trained(model, train)
    with torch.no_grad():
        scores = torch.cat([model(test_x[i:i + 1000]) for i in range(0, len(test_x), 1000)]).numpy()
    labels = test_y.numpy()
    per_class = {name: auroc(scores[:, c], labels == c) for c, name in enumerate(CLASSES)}

    write_model(outdir, "fashion_multilabel", model, test_x[:2],
                {"samples": len(test_y), "auroc": per_class, "epochs": EPOCHS, "train_images": TRAIN_IMAGES,
                 "train_seconds": round(seconds, 1)}, expected)
    print(f"fashion_multilabel.onnx: AUROC per class {min(per_class.values()):.4f}..{max(per_class.values()):.4f} "
          f"on {len(test_y)} test images; trained {EPOCHS} epoch on {TRAIN_IMAGES} images in {seconds:.1f} s")


if __name__ == "__main__":
    main()
