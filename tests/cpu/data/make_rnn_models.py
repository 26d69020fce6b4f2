#!/usr/bin/python3
"""Export the PyTorch RNNs the CPU device's LSTM / GRU test compares against.

Usage: /usr/bin/python3 tests/cpu/data/make_rnn_models.py   (writes beside this file)

For each model it writes NAME.onnx (opset 13), NAME_input.npy and NAME_output_K.npy, PyTorch's
outputs (Y, then the final states) on that input. Sizes are awkward on purpose: input 7,
hidden 5, sequence 9, batch 3.
"""

from pathlib import Path

import numpy as np
import torch
from torch import nn

OPSET = 13
SEQ, BATCH, INPUT, HIDDEN = 9, 3, 7, 5
OUT = Path(__file__).resolve().parent


class Lstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(INPUT, HIDDEN, bidirectional=True)

    def forward(self, x):
        y, (h, c) = self.rnn(x)
        return y, h, c


class Gru(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(INPUT, HIDDEN, num_layers=2)

    def forward(self, x):
        y, h = self.rnn(x)
        return y, h


def export(name, seed, model):
    torch.manual_seed(seed)
    model = model().eval()
    x = torch.randn(SEQ, BATCH, INPUT)
    with torch.no_grad():
        outputs = model(x)
    torch.onnx.export(model, (x,), OUT / f"{name}.onnx", opset_version=OPSET,
                      input_names=["x"], output_names=[f"out{k}" for k in range(len(outputs))])
    np.save(OUT / f"{name}_input.npy", x.numpy())
    for k, out in enumerate(outputs):
        np.save(OUT / f"{name}_output_{k}.npy", out.numpy())


export("lstm_bidirectional", 1, Lstm)
export("gru_two_layers", 2, Gru)
