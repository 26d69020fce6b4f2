"""Two PyTorch models full of data-movement ops, exported to ONNX (opset 13, batch dynamic) with
their inputs and PyTorch's outputs, to check and time the CPU device's data-movement steps.

  data_ops.onnx      embedding + gather + strided slice + where + expand + concat + pad + split +
                     cast, and a conv followed by nearest x2 and bilinear resizes
  data_ops_big.onnx  a transformer-sized input stage ([8, 512] ids into a [30000, 256] table,
                     position slice, mask, class token, pad, split) and a U-Net nearest x2 of a
                     [8, 64, 56, 56] map

Usage (with /usr/bin/python3):
  python3 bench/data_ops/make_models.py OUTDIR
  build/zenith info OUTDIR/data_ops.onnx -d CPU
  build/zenith run OUTDIR/data_ops.onnx -i ids=OUTDIR/ids_b3.npy -i img=OUTDIR/img_b3.npy -o OUT
  build/zenith compare OUT/seq.npy OUTDIR/seq_b3.npy --rtol 1e-5 --atol 1e-6
  build/zenith run OUTDIR/data_ops_big.onnx -i ids=OUTDIR/big_ids.npy -i fmap=OUTDIR/big_fmap.npy \\
      --repeat 20 -t 1
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 16)
        self.conv = nn.Conv2d(4, 8, 3, padding=1)

    def forward(self, ids, img):
        e = self.emb(ids)
        first = e[:, 0]
        tail = torch.where((ids[:, 1::2] > 50).unsqueeze(-1), e[:, 1::2], -e[:, 1::2])
        seq = torch.cat([first.unsqueeze(1).expand(-1, 2, -1), tail], dim=1)
        seq = F.pad(seq, (0, 0, 1, 1), value=0.5)
        a, b = torch.split(seq, [4, 6], dim=1)
        x = F.interpolate(self.conv(img), scale_factor=2.0, mode="nearest")
        y = F.interpolate(x, size=(9, 11), mode="bilinear", align_corners=False)
        return torch.cat([a, b * 2], dim=1), y, (ids > 10).to(torch.float32)


class Big(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(30000, 256)
        self.pos = nn.Parameter(torch.randn(1, 1024, 256))
        self.cls = nn.Parameter(torch.randn(1, 1, 256))

    def forward(self, ids, fmap):
        x = self.emb(ids) + self.pos[:, : ids.shape[1]]
        x = torch.where((ids > 0).unsqueeze(-1), x, torch.zeros_like(x))
        x = torch.cat([self.cls.expand(ids.shape[0], -1, -1), x], dim=1)
        a, b = torch.split(F.pad(x, (0, 0, 0, 7)), [260, 260], dim=1)
        return a, b, F.interpolate(fmap, scale_factor=2.0, mode="nearest")


def export(net, inputs, names, outputs, path):
    dynamic = {name: {0: "batch"} for name in names + outputs}
    torch.onnx.export(net, inputs, path, opset_version=13, input_names=names,
                      output_names=outputs, dynamic_axes=dynamic)


def main(out):
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(0)
    small = Small().eval()
    export(small, (torch.randint(0, 100, (2, 12)), torch.randn(2, 4, 9, 11)), ["ids", "img"],
           ["seq", "img_out", "count"], f"{out}/data_ops.onnx")
    for batch in (1, 3):
        ids, img = torch.randint(0, 100, (batch, 12)), torch.randn(batch, 4, 9, 11)
        np.save(f"{out}/ids_b{batch}.npy", ids.numpy())
        np.save(f"{out}/img_b{batch}.npy", img.numpy())
        with torch.no_grad():
            for name, o in zip(["seq", "img_out", "count"], small(ids, img)):
                np.save(f"{out}/{name}_b{batch}.npy", o.numpy())

    big = Big().eval()
    ids, fmap = torch.randint(0, 30000, (8, 512)), torch.randn(8, 64, 56, 56)
    export(big, (ids, fmap), ["ids", "fmap"], ["a", "b", "up"], f"{out}/data_ops_big.onnx")
    np.save(f"{out}/big_ids.npy", ids.numpy())
    np.save(f"{out}/big_fmap.npy", fmap.numpy())
    with torch.no_grad():
        for name, o in zip(["a", "b", "up"], big(ids, fmap)):
            np.save(f"{out}/big_{name}.npy", o.numpy())


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "data_ops")
