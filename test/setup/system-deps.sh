#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real, when they are missing:
# Chromium (dashboard tests), PostgreSQL, InfluxDB and Mosquitto (hub tests), systemd-analyze
# and SQLite's library (operations tests). Needs root or
# sudo; says what to do otherwise. hub/services installs them on demand too, one by one.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/influxd ] || need+=(influxdb)
[ -x /usr/sbin/mosquitto ] || need+=(mosquitto)
# Report PDFs embed DejaVu Sans (Unicode); Helvetica covers Latin-1 only.
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
# The sync fault tests run an edge whose wall clock is wrong (libfaketime), as a Pi without a clock battery boots.
[ -f /usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1 ] || [ -f /usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1 ] || need+=(libfaketime)

# The units are checked with systemd-analyze verify; the edge's backup reads its database through
# the system's SQLite library (the online backup API).
command -v systemd-analyze >/dev/null 2>&1 || need+=(systemd)
ls /usr/lib/*-linux-gnu/libsqlite3.so.0 >/dev/null 2>&1 || need+=(libsqlite3-0)

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
