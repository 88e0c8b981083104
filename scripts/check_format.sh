#!/usr/bin/env bash
# Checks that every C and C++ file of the repository is as .clang-format writes it.
# Fix with: clang-format -i $(git ls-files '*.cc' '*.h' '*.hpp' '*.c')
# Usage: scripts/check_format.sh [REPO]
set -euo pipefail
repo=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$repo"
command -v clang-format >/dev/null || { echo "clang-format is missing: scripts/install-deps.sh test installs it" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.cc' '*.h' '*.hpp' '*.c' 2>/dev/null || find hub connectors plugins tests bench examples \( -name '*.cc' -o -name '*.h' -o -name '*.hpp' -o -name '*.c' \))
if ! clang-format --dry-run -Werror "${files[@]}" 2> >(head -40 >&2); then
  echo "some files are not formatted as .clang-format says; run: clang-format -i \$(git ls-files '*.cc' '*.h' '*.hpp' '*.c')" >&2
  exit 1
fi
echo "format: ${#files[@]} files as .clang-format writes them"
