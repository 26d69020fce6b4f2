#!/usr/bin/env bash
# The demo `make demo` runs: the CheXNet-style model and ResNet-50 from the zoo on Zenith,
# checked against PyTorch's outputs on the same inputs, with top predictions and timings.
set -euo pipefail
build=${1:-build}
zoo=$build/zoo
out=$build/demo
zenith=$build/zenith
mkdir -p "$out"

echo "The zoo models have seeded random weights (no downloads here): the predictions are not"
echo "medical findings; the point is that Zenith computes what PyTorch computes."
for model in chexnet resnet50; do
  labels=()
  [ "$model" = chexnet ] && labels=(--labels share/labels/chestxray14.txt)
  echo
  echo "== $model =="
  "$zenith" info "$zoo/$model.onnx" | grep -E '^(parameters|FLOPs|nodes)' || true
  "$zenith" run "$zoo/$model.onnx" -d REF -i "input=$zoo/${model}_input.npy" -o "$out/$model" \
    --repeat 2 --top 3 "${labels[@]}"
  "$zenith" compare "$out/$model/output.npy" "$zoo/${model}_output.npy" --rtol 1e-3 --atol 1e-4
done
