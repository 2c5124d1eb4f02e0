#!/usr/bin/env bash
# Installs a built minnow to a temporary prefix and builds and runs a separate consumer project
# against it twice: with CMake's find_package and with pkg-config. Then configures minnow as a
# subproject and checks that only the library (not the CLI, tests or benchmark) is built.
#   scripts/test-install.sh BUILD_DIR        (run by ctest as install_consumers)
set -euo pipefail
build=$(cd "${1:?usage: test-install.sh BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
# A failing step's log is printed: the steps below send theirs to files to keep a passing run short.
trap 'status=$?; if [ $status -ne 0 ]; then tail -n 40 "$work"/*.log >&2; fi; rm -rf "$work"' EXIT
prefix="$work/prefix"

cmake --install "$build" --prefix "$prefix" > "$work/install.log"
test -f "$prefix/include/minnow/minnow.hpp" && test -f "$prefix/include/minnow/version.hpp"
"$prefix/bin/minnow" version > "$work/version.log"  # the installed CLI runs (a shared build: finds its library)

echo "install: find_package(minnow 0.1) consumer"
cmake -S "$root/tests/consumer" -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=Release > "$work/cmake.log"
cmake --build "$work/cmake" > "$work/cmake-build.log"
(cd "$work" && "$work/cmake/consumer")

echo "install: pkg-config consumer"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
test "$(pkg-config --modversion minnow)" = "$(sed -n 's/^project(minnow VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")"
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
c++ -O1 "$root/tests/consumer/main.cpp" -o "$work/pkgconfig-consumer" $(pkg-config --cflags --libs minnow)
# A shared libminnow in a private prefix is found as a user would make it found.
(cd "$work" && LD_LIBRARY_PATH="$prefix/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$work/pkgconfig-consumer")

echo "install: a version too new is refused"
mkdir -p "$work/toonew"
sed 's/find_package(minnow 0.1 REQUIRED)/find_package(minnow 9.0 REQUIRED)/' "$root/tests/consumer/CMakeLists.txt" \
  > "$work/toonew/CMakeLists.txt"
cp "$root/tests/consumer/main.cpp" "$work/toonew/"
if cmake -S "$work/toonew" -B "$work/toonew/build" -DCMAKE_PREFIX_PATH="$prefix" > "$work/toonew.log" 2>&1; then
  echo "find_package(minnow 9.0) succeeded against minnow $(pkg-config --modversion minnow)" >&2
  exit 1
fi

echo "install: as a subproject, only the library"
cmake -S "$root/tests/consumer/subproject" -B "$work/sub" -DMINNOW_SOURCE_DIR="$root" > "$work/sub.log"
targets=$(cmake --build "$work/sub" --target help)
for unwanted in minnow_cli minnow_tests minnow_bench custom_layers_example example_train_mnist; do
  if grep -q "$unwanted" <<< "$targets"; then
    echo "as a subproject, minnow defines $unwanted" >&2
    exit 1
  fi
done
grep -q "minnow" <<< "$targets"
echo "install: ok"
