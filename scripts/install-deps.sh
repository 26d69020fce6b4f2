#!/usr/bin/env bash
# Installs the Debian packages Zenith needs to build, test and export reference models.
# Safe to re-run: apt is only touched when something is missing.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config clang-14 libclang-rt-14-dev
  libdnnl-dev ocl-icd-opencl-dev opencl-headers libonnx-dev libprotobuf-dev protobuf-compiler
  nlohmann-json3-dev libcli11-dev libfmt-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libjpeg-dev libpng-dev zlib1g-dev librsvg2-dev libonnx-testdata dataset-fashion-mnist
  python3-torch python3-torchvision python3-onnx python3-numpy python3-pil
  libopenmpi-dev openmpi-bin
  libgrpc++-dev protobuf-compiler-grpc libcpp-httplib-dev prometheus-cpp-dev curl python3-grpcio
  pybind11-dev python3-dev python3-pytest
)

missing=()
for pkg in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "all dependencies present"
  exit 0
fi

sudo=()
((EUID == 0)) || sudo=(sudo)
# sudo drops the environment by default, so the frontend is passed explicitly.
apt=("${sudo[@]}" env DEBIAN_FRONTEND="${DEBIAN_FRONTEND:-noninteractive}" apt-get)
"${apt[@]}" update
"${apt[@]}" install -y --no-install-recommends "${missing[@]}"
echo "installed: ${missing[*]}"
