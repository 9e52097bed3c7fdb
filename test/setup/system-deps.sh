#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real (Chromium for the dashboard),
# when they are missing. Needs root or sudo; says what to do otherwise.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v socat >/dev/null 2>&1 || true # not needed: ptys come from libc through bun:ffi

if [ ${#need[@]} -eq 0 ]; then exit 0; fi
echo "test setup: installing ${need[*]} from Debian's packages" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "test setup: ${need[*]} missing and not root: run 'apt-get install -y ${need[*]}' as root" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
