#!/usr/bin/python3
"""Writes tests/train/data: small PyTorch models exported to ONNX in training form, a batch,
PyTorch autograd's loss and parameter gradients on it (tests/train/pytorch_gradients_test.cpp
compares Zenith's autograd with them), and the parameters after a few steps of each
torch.optim optimizer with those gradients (tests/train/optimizer_test.cpp).

Usage: /usr/bin/python3 tests/train/make_pytorch_gradients.py   (rewrites the folder; seeded)
       /usr/bin/python3 tests/train/make_pytorch_gradients.py sequence   (only the models of
       sequence_models(), which seed themselves: the same files either way)

For each model NAME: NAME.onnx, NAME_x.npy, NAME_labels.npy, NAME_loss.npy and NAME.json:
"grad" maps each ONNX initializer name to its gradient's .npy, "after" each optimizer to the
same map of the parameters after STEPS steps, and for some models "curve" the losses of
CURVE_STEPS training steps on the batch (tests/train/trainer_test.cpp).
"""

import copy
import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn

OUT = Path(__file__).resolve().parent / "data"
# The settings tests/train/optimizer_test.cpp uses too.
STEPS = 3
CURVE_STEPS = 100
OPTIMIZERS = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
    "adam": lambda p: torch.optim.Adam(p, lr=0.01, weight_decay=0.01),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1),
}


def export(name, model, x, labels, loss_fn, curve=None, opset=13):
    """`curve`: an optimizer of OPTIMIZERS to also record the losses of CURVE_STEPS training
    steps on this batch with, from the exported weights."""
    model.train()
    trained = copy.deepcopy(model)
    loss = loss_fn(model(x), labels)
    loss.backward()
    torch.onnx.export(model, x, OUT / f"{name}.onnx", opset_version=opset, input_names=["x"],
                      output_names=["logits"], training=torch.onnx.TrainingMode.TRAINING,
                      do_constant_folding=False)
    np.save(OUT / f"{name}_x.npy", x.numpy())
    np.save(OUT / f"{name}_labels.npy", labels.numpy())
    np.save(OUT / f"{name}_loss.npy", np.array(loss.item(), dtype=np.float32))
    record = {"grad": {}, "after": {}}
    # The exporter names initializers after the state dict's keys.
    for i, (param, value) in enumerate(model.named_parameters()):
        np.save(OUT / f"{name}_grad_{i}.npy", value.grad.numpy())
        record["grad"][param] = f"{name}_grad_{i}.npy"
    # Each optimizer, STEPS steps from the exported weights with these gradients each time.
    for opt_name, make in OPTIMIZERS.items():
        params = {p: v.detach().clone().requires_grad_() for p, v in model.named_parameters()}
        optimizer = make(list(params.values()))
        for _ in range(STEPS):
            for p, v in model.named_parameters():
                params[p].grad = v.grad.clone()
            optimizer.step()
        record["after"][opt_name] = {}
        for i, (p, v) in enumerate(params.items()):
            np.save(OUT / f"{name}_{opt_name}_{i}.npy", v.detach().numpy())
            record["after"][opt_name][p] = f"{name}_{opt_name}_{i}.npy"
    if curve:
        optimizer = OPTIMIZERS[curve](list(trained.parameters()))
        losses = []
        for _ in range(CURVE_STEPS):
            optimizer.zero_grad()
            loss = loss_fn(trained(x), labels)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        np.save(OUT / f"{name}_curve.npy", np.array(losses, dtype=np.float32))
        record["curve"] = {"optimizer": curve, "steps": CURVE_STEPS, "losses": f"{name}_curve.npy"}
    (OUT / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")


class DenseBlockNet(nn.Module):
    """A CheXNet-style miniature: a stem (conv, batch norm, ReLU, max pool), one dense layer
    (batch norm, ReLU, conv, concatenated to its input), batch norm, ReLU, global average pooling
    and a linear head, for a sigmoid (multi-label) loss."""

    def __init__(self, classes=5):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8),
                                  nn.ReLU(), nn.MaxPool2d(2))
        self.layer = nn.Sequential(nn.BatchNorm2d(8), nn.ReLU(), nn.Conv2d(8, 4, 3, padding=1, bias=False))
        self.head = nn.Sequential(nn.BatchNorm2d(12), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                                  nn.Linear(12, classes))

    def forward(self, x):
        x = self.stem(x)
        return self.head(torch.cat([x, self.layer(x)], 1))


def fashion_models():
    """Untrained Fashion-MNIST models for `zenith train`'s CLI tests (tests/tools/train_cli.cmake),
    batch dimension symbolic: a small CNN in training form, and a model in inference form, which
    training refuses (its batch norm uses constant statistics)."""
    torch.manual_seed(1)
    cnn = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(4),
                        nn.Flatten(), nn.Linear(4 * 7 * 7, 10))
    # (In inference form PyTorch folds a batch norm after a convolution into it; one on the input
    # stays a BatchNormalization node.)
    normalized = nn.Sequential(nn.BatchNorm2d(1), nn.Flatten(), nn.Linear(28 * 28, 10))
    for name, model, mode in (("fashion_cnn", cnn, torch.onnx.TrainingMode.TRAINING),
                              ("fashion_inference", normalized, torch.onnx.TrainingMode.EVAL)):
        model.train(mode == torch.onnx.TrainingMode.TRAINING)
        torch.onnx.export(model, torch.randn(2, 1, 28, 28), OUT / f"{name}.onnx", opset_version=opset,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, training=mode,
                          do_constant_folding=False)


class TokenEncoder(nn.Module):
    """A transformer-encoder-like classifier of token ids: embedding, layer norm, a feed-forward
    block (Linear, activation, Dropout, Linear, activation) and a pooling of the positions
    (their mean, or the first one's), then a linear head. Dropout has p = 0: PyTorch's random
    numbers are not ours, and with p = 0 the gradients are comparable."""

    def __init__(self, activations, pool_first, vocabulary=13, width=8, hidden=16, classes=3):
        super().__init__()
        self.embedding = nn.Embedding(vocabulary, width)
        self.norm = nn.LayerNorm(width)
        self.feed_forward = nn.Sequential(nn.Linear(width, hidden), activations[0], nn.Dropout(0.0),
                                          nn.Linear(hidden, width), activations[1])
        self.head = nn.Linear(width, classes)
        self.pool_first = pool_first

    def forward(self, ids):
        h = self.feed_forward(self.norm(self.embedding(ids)))
        return self.head(h[:, 0] if self.pool_first else h.mean(1))


class LstmClassifier(nn.Module):
    """nn.LSTM (batch first; exported as Transpose, LSTM and the gates of its weights reordered by
    Slice and Concat), its last step's output, a linear head."""

    def __init__(self, features=3, hidden=4, classes=2):
        super().__init__()
        self.lstm = nn.LSTM(features, hidden, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.head(self.lstm(x)[0][:, -1])


def sequence_models():
    """Token models: at opset 13 layer norm is exported as ReduceMean, Sub, Pow, Sqrt, Div, ...
    and GELU as Erf, Mul, Add; at opset 17 as LayerNormalization. Ids repeat within the batch, so
    the embedding's gradient sums rows. Then an LSTM classifier."""
    torch.manual_seed(2)
    ids = torch.tensor([[1, 4, 4, 0, 12], [7, 1, 3, 1, 9], [2, 2, 11, 5, 4]])
    labels = torch.tensor([2, 0, 1])
    export("transformer_encoder", TokenEncoder((nn.GELU(), nn.Identity()), pool_first=False), ids,
           labels, nn.CrossEntropyLoss(), curve="adam")
    export("token_encoder_opset17", TokenEncoder((nn.SiLU(), nn.LeakyReLU(0.1)), pool_first=True),
           ids, labels, nn.CrossEntropyLoss(), opset=17)
    torch.manual_seed(3)
    export("lstm_classifier", LstmClassifier(), torch.randn(2, 5, 3), torch.tensor([1, 0]),
           nn.CrossEntropyLoss(), curve="adam")


def main():
    OUT.mkdir(exist_ok=True)
    if sys.argv[1:] == ["sequence"]:
        sequence_models()
        return
    fashion_models()
    torch.manual_seed(0)
    # Linear (Gemm), ReLU, Linear; softmax cross-entropy over class ids.
    export("mlp_cross_entropy", nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3)),
           torch.randn(4, 6), torch.tensor([0, 2, 1, 2]), nn.CrossEntropyLoss(), curve="adam")
    # Convolutions: strided with a bias, grouped and dilated, depthwise; global average pooling.
    export("small_cnn",
           nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.ReLU(),
                         nn.Conv2d(4, 6, 3, padding=2, dilation=2, groups=2, bias=False), nn.ReLU(),
                         nn.Conv2d(6, 6, 3, padding=1, groups=6), nn.AdaptiveAvgPool2d(1), nn.Flatten(),
                         nn.Linear(6, 3)),
           torch.randn(2, 3, 9, 8), torch.tensor([2, 0]), nn.CrossEntropyLoss())
    export("dense_block_bce", DenseBlockNet(), torch.randn(4, 3, 10, 10), (torch.rand(4, 5) > 0.5).float(),
           nn.BCEWithLogitsLoss(), curve="sgd_nesterov")
    # Linear on a 3-D input (MatMul + Add), Tanh, Flatten, Linear, Sigmoid-free logits;
    # binary cross-entropy with logits over 0/1 targets (multi-label).
    export("linear3d_bce",
           nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Flatten(), nn.Linear(24, 5)),
           torch.randn(2, 3, 4), (torch.rand(2, 5) > 0.5).float(), nn.BCEWithLogitsLoss())
    sequence_models()


if __name__ == "__main__":
    main()
