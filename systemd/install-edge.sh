#!/usr/bin/env bash
# Installs the edge on a Raspberry Pi: a system user, the code under /opt/tonypi-monitor
# (with Bun from npm), /etc/tonypi/edge.env for settings, and the systemd unit.
# Run from a checkout as root: sudo systemd/install-edge.sh
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo $0)" >&2; exit 1; }
case "$(uname -m)" in aarch64|x86_64) ;; *) echo "Bun needs a 64-bit OS (aarch64); this is $(uname -m)" >&2; exit 1 ;; esac
command -v npm >/dev/null || { echo "install Node.js and npm first (apt-get install -y nodejs npm)" >&2; exit 1; }
src="$(cd "$(dirname "$0")/.." && pwd)"
id tonypi >/dev/null 2>&1 || useradd --system --home /var/lib/tonypi --shell /usr/sbin/nologin tonypi
for g in dialout i2c gpio; do getent group "$g" >/dev/null && usermod -aG "$g" tonypi; done
mkdir -p /opt/tonypi-monitor /etc/tonypi
rsync -a --delete --exclude node_modules --exclude data --exclude .git "$src/" /opt/tonypi-monitor/
(cd /opt/tonypi-monitor && npm ci --no-audit --no-fund)
# Report PDFs embed DejaVu Sans when it is installed (Unicode names in reports).
apt-get install -y -qq --no-install-recommends fonts-dejavu-core >/dev/null 2>&1 || echo "fonts-dejavu-core not installed: report PDFs fall back to Helvetica" >&2
if [ ! -f /etc/tonypi/edge.env ]; then
  install -m 0600 /dev/null /etc/tonypi/edge.env
  echo "# TONYPI_* settings (see README); e.g. TONYPI_PROFILE=tonypi-hat" >> /etc/tonypi/edge.env
fi
install -m 0644 "$src/systemd/tonypi-edge.service" /etc/systemd/system/tonypi-edge.service
systemctl daemon-reload
# restart, not enable --now: on an upgrade the running service must pick up the new code.
systemctl enable tonypi-edge.service
systemctl restart tonypi-edge.service
echo "started; the first admin's password: sudo cat /var/lib/tonypi/admin-password"
