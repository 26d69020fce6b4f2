#!/usr/bin/env bash
# The demo `make demo` runs: the CheXNet-style model and ResNet-50 from the zoo on Zenith's CPU
# device (and once on REF, the reference device), checked against PyTorch's outputs on the same
# inputs, with top predictions and timings; `zenith convert` to an fp16 .zir and `zenith classify`
# on two images with it, and from Python (the README's example); INT8: the trained Fashion-MNIST model's accuracy on real data and
# ResNet-50's speed, as f32 and INT8; the same in BF16; then, if ONNX Runtime is installed (by
# bench/peers/compare), Zenith's and ONNX Runtime's latency side by side; `zenith train` on the
# built-in densenet-small, its accuracy on the test set and `classify` with it, and on two ranks
# (`--np 2`); last, MLPerf LoadGen SingleStream and Offline runs
# of CheXNet (`zenith bench --quick`).
set -euo pipefail
build=${1:-build}
zoo=$build/zoo
out=$build/demo
zenith=$build/zenith
mkdir -p "$out"

# Builds a target of the tree when a part first needs it (a no-op once built).
build_target() {
  echo "(building $1: $2)"
  cmake --build "$build" -j"${JOBS:-2}" --target "$1" | tail -1
}

echo "The zoo models have seeded random weights (no downloads here): the predictions are not"
echo "medical findings; the point is that Zenith computes what PyTorch computes."
for model in chexnet resnet50; do
  labels=()
  [ "$model" = chexnet ] && labels=(--labels share/labels/chestxray14.txt)
  echo
  echo "== $model =="
  "$zenith" info "$zoo/$model.onnx" | grep -E '^(parameters|FLOPs|nodes)' || true
  "$zenith" run "$zoo/$model.onnx" -d CPU -i "input=$zoo/${model}_input.npy" -o "$out/$model" \
    --repeat 10 --top 3 "${labels[@]}"
  "$zenith" compare "$out/$model/output.npy" "$zoo/${model}_output.npy" --rtol 1e-3 --atol 1e-4
  "$zenith" run "$zoo/$model.onnx" -d REF -i "input=$zoo/${model}_input.npy" -o "$out/$model.ref" \
    | grep 'time per inference'
  "$zenith" compare "$out/$model.ref/output.npy" "$zoo/${model}_output.npy" --rtol 1e-3 --atol 1e-4
done

# Test images for `zenith classify`, and a batch-1 slice of the zoo input.
/usr/bin/python3 - "$out" "$zoo" <<'PY'
import sys
import numpy as np
from PIL import Image, ImageDraw
out = sys.argv[1]
img = Image.new("L", (320, 320), 20)
ImageDraw.Draw(img).ellipse((60, 40, 260, 300), fill=150)  # a bright oval on a dark field
img.save(f"{out}/chest.png")
img.rotate(10).save(f"{out}/chest.jpg", quality=90)
np.save(f"{out}/chexnet_input_b1.npy", np.load(f"{sys.argv[2]}/chexnet_input.npy")[:1])
PY

echo
echo "== zenith convert: CheXNet to a .zir with fp16 weights, checked against the .onnx =="
"$zenith" convert "$zoo/chexnet.onnx" -o "$out/chexnet_fp16.zir" --compress fp16 \
  --input-shape 1,3,224,224 -i "input=$out/chexnet_input_b1.npy"
"$zenith" info "$out/chexnet_fp16.zir" | grep -E '^(model|format|compression|passes|parameters):'
"$zenith" run "$out/chexnet_fp16.zir" -d CPU -i "input=$out/chexnet_input_b1.npy" \
  -o "$out/chexnet_fp16" --top 3 --labels share/labels/chestxray14.txt
"$zenith" run "$zoo/chexnet.onnx" -d CPU -i "input=$out/chexnet_input_b1.npy" -o "$out/chexnet_b1" \
  | grep 'time per inference'
"$zenith" compare "$out/chexnet_fp16/output.npy" "$out/chexnet_b1/output.npy" --rtol 1e-2 --atol 1e-3

echo
echo "== zenith classify: two synthetic images (PNG, JPEG) through the fp16 CheXNet .zir, 2 async requests =="
"$zenith" classify -m "$out/chexnet_fp16.zir" --labels share/labels/chestxray14.txt \
  -i "$out/chest.png" "$out/chest.jpg" --async 2

echo
echo "== import zenith: the README's Python example, CheXNet on the same PNG =="
build_target zenith_python "the Python module"
readme_example=$(sed -n '/^```python$/,/^```$/p' README.md | sed '1d;$d')
PYTHONPATH="$build/python" /usr/bin/python3 -c "${readme_example//build\//$build/}"

echo
echo "== training the Fashion-MNIST CNN the INT8 and BF16 parts use (once; later runs reuse it) =="
/usr/bin/python3 tests/models/train_fashion_mnist.py "$zoo"

echo
echo "== INT8: the trained Fashion-MNIST CNN, calibrated on 300 training images, scored on the 10,000 test images =="
"$zenith" convert "$zoo/fashion_mnist.onnx" -o "$out/fashion_mnist_int8.zir" --precision int8 \
  --calib-data fashion-mnist-train | grep '^int8:'
for model in "$zoo/fashion_mnist.onnx" "$out/fashion_mnist_int8.zir"; do
  echo "$model:"
  "$zenith" bench "$model" -s Offline --mode accuracy --dataset fashion-mnist | grep 'top-1'
done
echo
echo "== INT8: ResNet-50 (random weights, so calibrated on seeded random inputs: timing only) =="
"$zenith" convert "$zoo/resnet50.onnx" -o "$out/resnet50_int8.zir" --input-shape 1,3,224,224 \
  --precision int8 --calib-count 32 2>&1 | grep -E '^int8:|warning'
for model in "$zoo/resnet50.onnx" "$out/resnet50_int8.zir"; do
  echo "$model: $("$zenith" run "$model" -d CPU --repeat 20 | grep 'time per inference')"
done
echo
echo "== BF16 (--precision bf16; f32 where the CPU has no BF16 instructions): ResNet-50 and the Fashion-MNIST CNN =="
echo "$zoo/resnet50.onnx: $("$zenith" run "$zoo/resnet50.onnx" --precision bf16 --repeat 20 \
  | grep -E 'precision|time per inference' | paste -sd ' ')"
"$zenith" bench "$zoo/fashion_mnist.onnx" -s Offline --mode accuracy --dataset fashion-mnist --precision bf16 \
  | grep -E 'precision|top-1'

if [ -d "$build/peers/node_modules/onnxruntime-node" ]; then
  echo
  echo "== Zenith CPU vs ONNX Runtime, batch 1, same run =="
  build_target zenith-timer "the timer bench/peers/compare runs for Zenith"
  # --spin leaves every engine's idle threads as they are by default (spinning a while before
  # they sleep): what a user of each gets, and fair here, where nothing else runs. Without it,
  # idle threads sleep at once, and Zenith's CheXNet took 31.5 ms instead of 20.8 (ONNX
  # Runtime 29.0): each of its 190 steps wakes a sleeping thread.
  bench/peers/compare --models chexnet,resnet50 --batch 1 --devices CPU --rounds 2 --spin --build "$build"
else
  echo
  echo "(ONNX Runtime is not installed here: bench/peers/compare installs it and prints Zenith's"
  echo " latency beside ONNX Runtime's and PyTorch's.)"
fi

echo
echo "== zenith train: the built-in densenet-small (CheXNet's DenseNet for 28x28 images) from scratch,"
echo "   one epoch on the 60,000 Fashion-MNIST training images (about a minute), then deployed: converted to .zir, scored, classifying test images =="
"$zenith" train --model densenet-small --batch 64 --lr 0.1 --momentum 0.9 \
  --log-dir "$out/train_logs" -o "$out/densenet_small.onnx" | grep -E '^(training|epoch 1/1 step 937/|epoch 1: |trained|logs)'
"$zenith" convert "$out/densenet_small.onnx" -o "$out/densenet_small.zir" | grep -E '^(nodes|size)'
"$zenith" bench "$out/densenet_small.zir" -s Offline --mode accuracy --dataset fashion-mnist | grep 'top-1'
mapfile -t images < <(/usr/bin/python3 scripts/fashion_images.py "$out/fashion_images" 3)
"$zenith" classify -m "$out/densenet_small.zir" -i "${images[@]}" --mean 0 --scale 255 \
  --labels share/labels/fashion-mnist.txt --top 1

echo
echo "== zenith train --np 2: the same model data-parallel on two ranks (Open MPI), 12,800 images, each rank"
echo "   its own batch of 64; gradients averaged over the ranks while the backward pass runs; a Chrome trace of each rank =="
"$zenith" train --np 2 --model densenet-small --batch 64 --lr 0.1 --momentum 0.9 --limit 12800 \
  --val-dataset none --timeline "$out/timeline.json" -o "$out/densenet_small_2ranks.onnx" 2>&1 |
  grep -E '^(rank|epoch 1/1 step 100/|data-parallel|timeline)'

echo
echo "== zenith serve: the trained model behind KServe v2 (REST and gRPC) with dynamic batching; curl asks"
echo "   for its metadata, then LoadGen scores it over gRPC as above in process; SIGTERM drains and stops it =="
repo="$out/model_repository"
rm -rf "$repo" && mkdir -p "$repo/densenet_small/1"
cp "$out/densenet_small.zir" "$repo/densenet_small/1/model.zir"
echo '{"max_batch_size": 8, "max_queue_delay_us": 2000}' > "$repo/densenet_small/config.json"
"$zenith" serve --model-repository "$repo" --http-port 18080 --grpc-port 18081 2> "$out/serve.log" &
server=$!
for _ in $(seq 100); do curl -sf localhost:18080/v2/health/ready > /dev/null && break; sleep 0.2; done
curl -s localhost:18080/v2/models/densenet_small; echo
"$zenith" bench --server 127.0.0.1:18081 --protocol grpc densenet_small -s Offline --mode accuracy \
  --dataset fashion-mnist | grep 'top-1'
kill -TERM "$server" && wait "$server" && echo "server stopped cleanly (exit 0); its log: $out/serve.log"

echo
echo "== zenith bench: MLPerf LoadGen SingleStream and Offline on CheXNet (--quick: 10 s each) =="
"$zenith" bench "$zoo/chexnet.onnx" -s SingleStream --quick --target-latency-ms 25 \
  --performance-sample-count 64 --log-dir "$out/bench_single" | sed -n '/^SUT name/,/Early stopping satisfied/p'
"$zenith" bench "$zoo/chexnet.onnx" -s Offline --quick --expected-qps 50 \
  --performance-sample-count 64 --log-dir "$out/bench_offline" | sed -n '/^SUT name/,/Early stopping satisfied/p'
echo "(MLPerf logs in $out/bench_single and $out/bench_offline; docs/BENCH.md explains them.)"
