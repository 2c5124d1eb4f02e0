#!/usr/bin/env bash
# The include graph's direction: a file in src/, include/minnow/ or apps/ includes only files of
# its own area or of a lower one. Prints every include that runs up (file:line, the two areas) and
# exits 1 if there is one. Run by ctest (the include_graph entry), so CI checks it on every change.
#
#   scripts/check-includes.sh [ROOT]     (ROOT defaults to the repository)
set -euo pipefail
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}

# The areas from the bottom up (the README's Design section draws the same picture). Areas on one
# line share a rank: neither may include the other.
ranks=(
  "core"
  "tensor"
  "kernels init data metrics"
  "autograd"
  "ops optim testing"
  "layers losses"
  "io"
  "models"
  "experiments"
  "umbrella"
  "apps"
)
declare -A rank
for i in "${!ranks[@]}"; do
  for area in ${ranks[$i]}; do rank[$area]=$i; done
done

# The area of a path relative to src/, include/minnow/ or the include root ("minnow/ops/x.hpp",
# "kernels/conv2d.hpp", "minnow/minnow.hpp").
area_of() {
  local p=${1#minnow/}
  case "$p" in
    */*) echo "${p%%/*}" ;;
    minnow.hpp) echo umbrella ;;
    *) echo "?" ;;
  esac
}

bad=0
checked=0
while IFS= read -r -d '' file; do
  rel=${file#"$root"/}
  case "$rel" in
    apps/*) from=apps ;;
    src/*) from=$(area_of "${rel#src/}") ;;
    include/minnow/*) from=$(area_of "${rel#include/}") ;;
  esac
  if [ -z "${rank[$from]+x}" ]; then
    echo "$rel: in no known area ('$from'); add the area to scripts/check-includes.sh" >&2
    bad=1
    continue
  fi
  while IFS=: read -r line target; do
    checked=$((checked + 1))
    to=$(area_of "$target")
    # Includes that name no area (the CLI's own "cli.hpp", the examples' headers) stay in place.
    [ "$to" = "?" ] && continue
    [ "$from" = apps ] && [ -z "${rank[$to]+x}" ] && continue
    if [ -z "${rank[$to]+x}" ]; then
      echo "$rel:$line: includes \"$target\" of unknown area '$to'" >&2
      bad=1
    elif [ "$to" != "$from" ] && [ "${rank[$to]}" -ge "${rank[$from]}" ]; then
      echo "$rel:$line: $from includes $to (\"$target\"): an arrow that runs up" >&2
      bad=1
    fi
  done < <(grep -n '^#include "' "$file" | sed -E 's/^([0-9]+):#include "([^"]+)".*/\1:\2/')
done < <(for d in src include/minnow apps; do [ -d "$root/$d" ] && echo "$root/$d"; done |
           xargs -I{} find {} -type f \( -name '*.cpp' -o -name '*.hpp' \) -print0)

if [ $bad -ne 0 ]; then
  echo "include graph: an include runs against the layering (core < tensor < kernels < autograd/ops < layers < io < models < experiments < apps)" >&2
  exit 1
fi
echo "include graph: $checked includes checked, none runs up"
