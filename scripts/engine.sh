#!/usr/bin/env bash
# Build and install the real engine (llama-cpp-python's server) into a virtualenv, once.
# Usage: scripts/engine.sh VENV
#
# tests/engine runs prompts through a llama.cpp server; there is no wheel for it, so pip builds
# it from source (several minutes on 2 cores; pip keeps the wheel, so later runs take seconds).
# Writes VENV/engine-status: "ok", or one line saying why the build failed. Either way it exits 0:
# the test run goes on and the engine tests skip with that line as their reason.
set -euo pipefail

VENV="${1:?usage: scripts/engine.sh VENV}"
STATUS="$VENV/engine-status"
LOG="$VENV/engine-build.log"
SPEC="llama-cpp-python[server]==0.3.36"
LIMIT_S=2700
started=$SECONDS

engine_imports() {
    "$VENV/bin/python" -c "import llama_cpp.server" >/dev/null 2>&1
}

if engine_imports; then
    echo ok >"$STATUS"
    echo "engine: llama-cpp-python is already installed in $VENV (checked in $((SECONDS - started)) s)"
    exit 0
fi

cores="$(nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2)"
# The shared library and its CPU backend only: no examples, tests, tools or llama.cpp's own
# server binary, no multimodal library (llama_cpp imports it only for image chats), no HTTPS
# model downloads. A CMAKE_ARGS from the caller comes last, so it can override these.
ours="-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF"
ours+=" -DLLAMA_BUILD_SERVER=OFF -DGGML_BUILD_EXAMPLES=OFF -DGGML_BUILD_TESTS=OFF"
ours+=" -DLLAVA_BUILD=OFF -DLLAMA_OPENSSL=OFF -DGGML_CPU=ON"
export CMAKE_ARGS="$ours${CMAKE_ARGS:+ $CMAKE_ARGS}"
export CMAKE_BUILD_PARALLEL_LEVEL="$cores"

rc=0
{
    echo "CMAKE_ARGS=$CMAKE_ARGS"
    echo "CMAKE_BUILD_PARALLEL_LEVEL=$CMAKE_BUILD_PARALLEL_LEVEL"
    timeout "$LIMIT_S" "$VENV/bin/python" -m pip install "$SPEC"
} >"$LOG" 2>&1 || rc=$?
took=$((SECONDS - started))

if [ "$rc" -eq 0 ] && engine_imports; then
    echo ok >"$STATUS"
    echo "engine: built and installed $SPEC into $VENV in $took s (log: $LOG)"
    exit 0
fi

if [ "$rc" -eq 124 ]; then
    reason="the build took longer than $((LIMIT_S / 60)) minutes"
elif [ "$rc" -eq 0 ]; then
    reason="it installed but 'import llama_cpp.server' fails"
else
    # The log's last error line, passing over pip's generic ones ("Failed building wheel") that
    # only repeat that the build failed, unless they are all there is.
    errors="$(grep -E '(^|[^A-Za-z])(error|ERROR|Error)[]:) ]' "$LOG" || true)"
    generic='subprocess-exited-with-error|Failed building wheel|Could not build wheels'
    generic+='|failed-wheel-build|Failed to build installable wheels|This error originates'
    reason="$(grep -Ev "$generic" <<<"$errors" | tail -n 1 || true)"
    reason="${reason:-$(tail -n 1 <<<"$errors")}"
    reason="$(sed -e 's/^[[:space:]]*//' <<<"$reason" | cut -c 1-300)"
    reason="${reason:-pip exited with status $rc}"
fi
echo "llama-cpp-python could not be built: $reason" >"$STATUS"
echo "engine: could not build llama-cpp-python in $took s: $reason (log: $LOG)"
exit 0
