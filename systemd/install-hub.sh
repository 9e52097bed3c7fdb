#!/usr/bin/env bash
# Installs the hub on a Debian host: PostgreSQL, InfluxDB and Mosquitto from Debian's
# packages, a system user, the code under /opt/tonypi-monitor, /etc/tonypi/hub.env and the unit.
# Run from a checkout as root: sudo systemd/install-hub.sh
#
# TLS: robots reach the hub over HTTPS (port 8000) and the broker over TLS (MQTT 8883, MQTT over
# WebSocket 8884). By default the hub gets a CA of its own and a server certificate for this
# host's names (/etc/tonypi/tls; the CA key never leaves it): robots pin the CA on its fingerprint,
# printed at the end (npm run edge:register -- --ca-fingerprint). With certificates of your own:
#   sudo TONYPI_HUB_TLS_CERT=/path/fullchain.pem TONYPI_HUB_TLS_KEY=/path/key.pem \
#        [TONYPI_HUB_TLS_CA=/path/ca.pem] systemd/install-hub.sh
# More names for the hub's own certificate: TONYPI_HUB_TLS_HOSTS="hub.example.org 10.0.0.5".
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo $0)" >&2; exit 1; }
src="$(cd "$(dirname "$0")/.." && pwd)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql influxdb mosquitto openssl rsync curl nodejs npm
id tonypi-hub >/dev/null 2>&1 || useradd --system --home /var/lib/tonypi-hub --shell /usr/sbin/nologin tonypi-hub
mkdir -p /opt/tonypi-monitor /etc/tonypi /etc/mosquitto/tonypi
rsync -a --delete --exclude node_modules --exclude data --exclude hub-data --exclude .git "$src/" /opt/tonypi-monitor/
(cd /opt/tonypi-monitor && npm ci --no-audit --no-fund)
bun=/opt/tonypi-monitor/node_modules/.bin/bun

# The server key is read by the hub (HTTPS) and by Mosquitto: a group for the two, nobody else.
getent group tonypi-tls >/dev/null || groupadd --system tonypi-tls
usermod -a -G tonypi-tls tonypi-hub
usermod -a -G tonypi-tls mosquitto
if [ -n "${TONYPI_HUB_TLS_CERT:-}" ]; then
  [ -n "${TONYPI_HUB_TLS_KEY:-}" ] || { echo "TONYPI_HUB_TLS_KEY is required with TONYPI_HUB_TLS_CERT" >&2; exit 1; }
  tls_cert=$TONYPI_HUB_TLS_CERT; tls_key=$TONYPI_HUB_TLS_KEY; tls_ca=${TONYPI_HUB_TLS_CA:-}
  chgrp tonypi-tls "$tls_key" && chmod 0640 "$tls_key"
  fingerprint=""
else
  # shellcheck disable=SC2086
  fingerprint=$("$bun" /opt/tonypi-monitor/tools/services/tls.ts /etc/tonypi/tls "$(hostname -f 2>/dev/null || hostname)" ${TONYPI_HUB_TLS_HOSTS:-})
  tls_cert=/etc/tonypi/tls/server.pem; tls_key=/etc/tonypi/tls/server.key; tls_ca=/etc/tonypi/tls/ca.pem
  chgrp tonypi-tls /etc/tonypi/tls /etc/tonypi/tls/server.key
  chmod 0750 /etc/tonypi/tls && chmod 0640 /etc/tonypi/tls/server.key
fi

# Mosquitto reads the password and ACL files the hub writes; anonymous clients are refused; robots
# and browsers only over TLS, the hub on loopback (hub/mqtt/mosquitto-conf.ts).
chown tonypi-hub:mosquitto /etc/mosquitto/tonypi && chmod 0750 /etc/mosquitto/tonypi
"$bun" /opt/tonypi-monitor/hub/mqtt/mosquitto-conf.ts --password-file /etc/mosquitto/tonypi/passwd --acl-file /etc/mosquitto/tonypi/acl \
  --cert "$tls_cert" --key "$tls_key" > /etc/mosquitto/conf.d/tonypi.conf.new
mv /etc/mosquitto/conf.d/tonypi.conf.new /etc/mosquitto/conf.d/tonypi.conf

# A hub replica that dies holds its leases (hub/cluster/leases.ts) until PostgreSQL notices its
# connection is gone: at once for a crashed process, within about 25 s for a host that vanished.
for d in /etc/postgresql/*/main/conf.d; do
  printf 'tcp_keepalives_idle = 10\ntcp_keepalives_interval = 5\ntcp_keepalives_count = 3\n' > "$d/tonypi-hub.conf"
done
systemctl reload postgresql || true

host=$(hostname -f 2>/dev/null || hostname)
if [ ! -f /etc/tonypi/hub.env ]; then
  # First install: generated secrets for the database role, the hub's broker account and the token
  # signing key (every replica of this hub needs the same hub.env: README, "Growing past one hub host").
  pg_pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  mq_pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  jwt=$(head -c 48 /dev/urandom | base64 | tr -d '/+=')
  runuser -u postgres -- psql -q -c "CREATE ROLE tonypi LOGIN PASSWORD '$pg_pw'" 2>/dev/null \
    || runuser -u postgres -- psql -q -c "ALTER ROLE tonypi PASSWORD '$pg_pw'"
  runuser -u postgres -- psql -q -c "CREATE DATABASE tonypi OWNER tonypi" 2>/dev/null || true
  mosquitto_passwd -b -c /etc/mosquitto/tonypi/passwd tonypi-hub "$mq_pw"
  touch /etc/mosquitto/tonypi/acl
  chown tonypi-hub:mosquitto /etc/mosquitto/tonypi/passwd /etc/mosquitto/tonypi/acl
  chmod 0640 /etc/mosquitto/tonypi/passwd /etc/mosquitto/tonypi/acl
  install -m 0600 /dev/null /etc/tonypi/hub.env
  cat >> /etc/tonypi/hub.env <<ENV
DATABASE_URL=postgres://tonypi:$pg_pw@127.0.0.1:5432/tonypi
TONYPI_HUB_INFLUX_URL=http://127.0.0.1:8086
TONYPI_HUB_MQTT_URL=mqtt://127.0.0.1:1883
TONYPI_HUB_MQTT_USER=tonypi-hub
TONYPI_HUB_MQTT_PASSWORD=$mq_pw
TONYPI_HUB_MOSQUITTO_PASSWORD_FILE=/etc/mosquitto/tonypi/passwd
TONYPI_HUB_MOSQUITTO_ACL_FILE=/etc/mosquitto/tonypi/acl
TONYPI_HUB_MOSQUITTO_PID_FILE=/run/mosquitto/mosquitto.pid
TONYPI_HUB_JWT_SECRET=$jwt
ENV
  curl -s -XPOST 'http://127.0.0.1:8086/query' --data-urlencode 'q=CREATE DATABASE tonypi' >/dev/null || true
fi
# TLS settings, on a first install and when upgrading one made before the hub served HTTPS.
set_env() { grep -q "^$1=" /etc/tonypi/hub.env && sed -i "s|^$1=.*|$1=$2|" /etc/tonypi/hub.env || echo "$1=$2" >> /etc/tonypi/hub.env; }
set_env TONYPI_HUB_TLS_CERT "$tls_cert"
set_env TONYPI_HUB_TLS_KEY "$tls_key"
if [ -n "$tls_ca" ]; then set_env TONYPI_HUB_TLS_CA "$tls_ca"; fi
grep -q '^TONYPI_HUB_PUBLIC_MQTT_URL=' /etc/tonypi/hub.env || echo "TONYPI_HUB_PUBLIC_MQTT_URL=mqtts://$host:8883" >> /etc/tonypi/hub.env
systemctl restart mosquitto
install -m 0644 "$src/systemd/tonypi-hub.service" /etc/systemd/system/tonypi-hub.service
systemctl daemon-reload
# restart, not enable --now: on an upgrade the running service must pick up the new code.
systemctl enable tonypi-hub.service
systemctl restart tonypi-hub.service
echo "started on https://$host:8000/; the first admin's password: sudo cat /var/lib/tonypi-hub/admin-password"
if [ -n "$fingerprint" ]; then
  echo "the hub's CA: /etc/tonypi/tls/ca.pem, fingerprint $fingerprint"
  echo "on each robot: npm run edge:register -- --hub https://$host:8000 --ca-fingerprint $fingerprint"
fi
