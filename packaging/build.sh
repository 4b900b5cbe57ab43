#!/usr/bin/env bash
# Build the one-folder bundle dist/prompt-workbench/ with PyInstaller, from the project's .venv,
# and print its size and how long the build took. Check it with packaging/smoke_test.py.
#
#   packaging/build.sh            a clean build (build/pyinstaller and the old bundle removed)
#   packaging/build.sh --keep     reuse PyInstaller's analysis cache in build/pyinstaller
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
clean=1
if [ "${1:-}" = "--keep" ]; then
    clean=0
fi

# The `package` extra is PyInstaller; `dev` too, so that ./run-tests finds the venv's stamp
# satisfied afterwards instead of installing again.
source scripts/venv.sh ui,dev,package

start=$(date +%s.%N)
args=(--noconfirm --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" --log-level WARN)
if [ "$clean" = 1 ]; then
    args+=(--clean)
    rm -rf "$ROOT/dist/prompt-workbench"
fi
# litellm must not fetch its tables while PyInstaller imports it to analyse it (as
# workbench/offline.py does for the app).
for flag in MODEL_COST_MAP ANTHROPIC_BETA_HEADERS BLOG_POSTS POLICY_TEMPLATES AUTOROUTER_PRESETS; do
    export "LITELLM_LOCAL_$flag=True"
done
"$VENV/bin/pyinstaller" "${args[@]}" "$ROOT/packaging/prompt-workbench.spec"
end=$(date +%s.%N)

bundle="$ROOT/dist/prompt-workbench"
echo "bundle: $bundle"
echo "size: $(du -sh "$bundle" | cut -f1) ($(find "$bundle" -type f | wc -l) files)"
awk -v start="$start" -v end="$end" 'BEGIN { printf "build time: %.0f s\n", end - start }'
