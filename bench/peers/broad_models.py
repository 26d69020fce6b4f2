"""The models of bench/peers/broad that torchvision does not define: each stands for a kind of
workload that the image classifiers leave out (token embeddings and attention, causal decoding,
recurrence, 3-D convolution, sparse lookups, several inputs, dense per-pixel outputs). Sized so that batch 1 takes tens of milliseconds on
two cores. Every forward takes the inputs that export_broad.py's spec names, in that order."""

import torch
from torch import nn


class BertEncoder(nn.Module):
    """A BERT-like encoder: token and position embeddings, then 4 post-norm GELU layers."""

    def __init__(self, vocab=30522, length=128, width=256, heads=4, layers=4):
        super().__init__()
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Parameter(torch.randn(1, length, width) * 0.02)
        self.norm = nn.LayerNorm(width)
        layer = nn.TransformerEncoderLayer(width, heads, dim_feedforward=4 * width, dropout=0.0,
                                           activation="gelu", batch_first=True)
        # Without a padding mask the nested-tensor path is never taken; disabling it only silences
        # its warning.
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)

    def forward(self, ids):
        return self.encoder(self.norm(self.tokens(ids) + self.positions))


class GptDecoder(nn.Module):
    """A GPT-2-like decoder written out as such code writes it: token and position embeddings, 4
    pre-norm layers of causal self-attention (an upper-triangular -inf mask added to the scores)
    and a tanh-GELU MLP, and a language-model head over the vocabulary at every position."""

    def __init__(self, vocab=5000, length=64, width=256, heads=4, layers=4):
        super().__init__()
        self.heads = heads
        self.tokens = nn.Embedding(vocab, width)
        self.positions = nn.Embedding(length, width)
        self.layers = nn.ModuleList(
            nn.ModuleDict({"norm1": nn.LayerNorm(width), "qkv": nn.Linear(width, 3 * width),
                           "proj": nn.Linear(width, width), "norm2": nn.LayerNorm(width),
                           "up": nn.Linear(width, 4 * width), "down": nn.Linear(4 * width, width)})
            for _ in range(layers))
        self.norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, vocab, bias=False)
        self.register_buffer("mask", torch.triu(torch.full((length, length), float("-inf")), 1))

    def forward(self, ids):
        batch, length = ids.shape
        x = self.tokens(ids) + self.positions(torch.arange(length))
        for layer in self.layers:
            q, k, v = layer["qkv"](layer["norm1"](x)).chunk(3, -1)
            q, k, v = (t.view(batch, length, self.heads, -1).transpose(1, 2) for t in (q, k, v))
            scores = q @ k.transpose(-1, -2) / q.shape[-1] ** 0.5 + self.mask[:length, :length]
            x = x + layer["proj"]((scores.softmax(-1) @ v).transpose(1, 2).reshape(batch, length, -1))
            x = x + layer["down"](nn.functional.gelu(layer["up"](layer["norm2"](x)), approximate="tanh"))
        return self.head(self.norm(x))


class SegmentationOut(nn.Module):
    """torchvision's segmentation models return a dict; this returns its "out" map."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x)["out"]


class Recurrent(nn.Module):
    """A 2-layer LSTM or GRU over [batch, 50, 64]; a linear layer reads the last step."""

    def __init__(self, cell, features=64, hidden=128, classes=10):
        super().__init__()
        self.rnn = cell(features, hidden, num_layers=2, batch_first=True)
        self.head = nn.Linear(hidden, classes)

    def forward(self, x):
        return self.head(self.rnn(x)[0][:, -1])


def conv3d_block(inputs, outputs):
    return nn.Sequential(nn.Conv3d(inputs, outputs, 3, padding=1), nn.BatchNorm3d(outputs), nn.ReLU(),
                         nn.Conv3d(outputs, outputs, 3, padding=1), nn.BatchNorm3d(outputs), nn.ReLU())


class UNet3d(nn.Module):
    """A small 3-D U-Net for [batch, 1, 32, 64, 64] volumes: two poolings, transposed-convolution
    upsampling with skip connections, two output classes per voxel."""

    def __init__(self, width=8, classes=2):
        super().__init__()
        self.down0 = conv3d_block(1, width)
        self.down1 = conv3d_block(width, 2 * width)
        self.bottom = conv3d_block(2 * width, 4 * width)
        self.pool = nn.MaxPool3d(2)
        self.up1 = nn.ConvTranspose3d(4 * width, 2 * width, 2, stride=2)
        self.merge1 = conv3d_block(4 * width, 2 * width)
        self.up0 = nn.ConvTranspose3d(2 * width, width, 2, stride=2)
        self.merge0 = conv3d_block(2 * width, width)
        self.head = nn.Conv3d(width, classes, 1)

    def forward(self, x):
        skip0 = self.down0(x)
        skip1 = self.down1(self.pool(skip0))
        x = self.bottom(self.pool(skip1))
        x = self.merge1(torch.cat([self.up1(x), skip1], 1))
        x = self.merge0(torch.cat([self.up0(x), skip0], 1))
        return self.head(x)


# DLRM's sizes: 13 dense features (as in Criteo), one bag of ids per table.
DLRM_DENSE = 13
DLRM_TABLES = (100000, 50000, 20000, 10000, 5000, 1000, 500, 100)
DLRM_BAG = 4


def mlp(*widths, last_relu=True):
    layers = []
    for inputs, outputs in zip(widths, widths[1:]):
        layers += [nn.Linear(inputs, outputs), nn.ReLU()]
    return nn.Sequential(*(layers if last_relu else layers[:-1]))


class Dlrm(nn.Module):
    """DLRM-like click model (Naumov et al. 2019): a bottom MLP on the dense features, one summed
    embedding bag per sparse feature, the pairwise dot products of all those vectors, a top MLP."""

    def __init__(self, width=64):
        super().__init__()
        self.bottom = mlp(DLRM_DENSE, 256, 128, width)
        self.tables = nn.ModuleList(nn.Embedding(rows, width) for rows in DLRM_TABLES)
        vectors = len(DLRM_TABLES) + 1
        rows, cols = torch.triu_indices(vectors, vectors, offset=1)
        self.register_buffer("pairs", rows * vectors + cols, persistent=False)
        self.top = mlp(width + len(self.pairs), 256, 64, 1, last_relu=False)

    def forward(self, dense, sparse):
        x = self.bottom(dense)
        # Embedding + sum rather than nn.EmbeddingBag, which exports as an ONNX Loop.
        bags = [table(sparse[:, i]).sum(1) for i, table in enumerate(self.tables)]
        vectors = torch.stack([x, *bags], 1)
        dots = torch.bmm(vectors, vectors.transpose(1, 2)).flatten(1)[:, self.pairs]
        return torch.sigmoid(self.top(torch.cat([x, dots], 1)))


class Ensemble(nn.Module):
    """Three small models on three inputs (an image, a feature vector, a sequence) whose class
    scores are averaged, as a serving ensemble would."""

    def __init__(self, classes=10):
        super().__init__()
        self.cnn = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(32 * 7 * 7, classes))
        self.mlp = mlp(32, 128, 64, classes, last_relu=False)
        self.lstm = Recurrent(nn.LSTM, features=16, hidden=64, classes=classes)

    def forward(self, image, features, sequence):
        return (self.cnn(image) + self.mlp(features) + self.lstm(sequence)) / 3
