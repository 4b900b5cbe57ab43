#!/usr/bin/env bash
# Install the system tools the packaging tests run, only those missing.
# Usage: scripts/system-deps.sh
#
# tests/packaging validates the .desktop entry with desktop-file-validate (desktop-file-utils)
# and the AppStream metainfo with appstreamcli (appstream). Those are system packages, not pip
# ones. As root with apt-get, the missing ones are installed (`apt-get update` only when the
# install fails, e.g. on a fresh container with no package lists). Otherwise this prints what to
# install and exits 0, as it does when apt-get fails: the tests then fail and name this script.
# Quick when all are present.
set -euo pipefail

# command -> the Debian/Ubuntu package that provides it
declare -A PACKAGE=(
    [desktop-file-validate]=desktop-file-utils
    [appstreamcli]=appstream
)

missing=()
for tool in "${!PACKAGE[@]}"; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("${PACKAGE[$tool]}")
done

if [ "${#missing[@]}" -eq 0 ]; then
    echo "system-deps: desktop-file-utils and appstream are installed"
    exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "system-deps: please install ${missing[*]} (e.g. sudo apt-get install ${missing[*]});"
    echo "system-deps: the packaging tests fail until they are installed"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
install_missing() {
    apt-get install -y -q --no-install-recommends "${missing[@]}"
}
# A container image often ships without package lists: fetch them once and try again.
if install_missing || { apt-get update -q && install_missing; }; then
    echo "system-deps: installed ${missing[*]}"
else
    echo "system-deps: apt-get could not install ${missing[*]} (see above);"
    echo "system-deps: the packaging tests fail until they are installed"
fi
