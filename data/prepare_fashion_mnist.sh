#!/usr/bin/env bash
# Copies the full Fashion-MNIST (60,000 train / 10,000 test, MNIST's IDX format and shapes) from
# the Debian package dataset-fashion-mnist (installed by `make deps`) into the given folder.
set -euo pipefail
out=${1:?usage: prepare_fashion_mnist.sh OUT_DIR}
src=/usr/share/datasets/fashion-mnist
files=(train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz)

if [ ! -d "$src" ]; then
  echo "fashion-mnist: $src is missing; install it with 'make deps' (Debian package dataset-fashion-mnist)" >&2
  exit 1
fi
mkdir -p "$out"
for f in "${files[@]}"; do
  if ! cmp -s "$src/$f" "$out/$f"; then cp "$src/$f" "$out/$f.tmp" && mv "$out/$f.tmp" "$out/$f"; fi
done
echo "fashion-mnist: $out holds the full Fashion-MNIST (60,000 train / 10,000 test)"
