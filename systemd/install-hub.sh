#!/usr/bin/env bash
# Installs the hub on a Debian host: PostgreSQL, InfluxDB and Mosquitto from Debian's
# packages, a system user, the code under /opt/tonypi-monitor, /etc/tonypi/hub.env and the unit.
# Run from a checkout as root: sudo systemd/install-hub.sh
set -euo pipefail
[ "$(id -u)" -eq 0 ] || { echo "run as root (sudo $0)" >&2; exit 1; }
src="$(cd "$(dirname "$0")/.." && pwd)"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql influxdb mosquitto rsync curl nodejs npm
id tonypi-hub >/dev/null 2>&1 || useradd --system --home /var/lib/tonypi-hub --shell /usr/sbin/nologin tonypi-hub
mkdir -p /opt/tonypi-monitor /etc/tonypi /etc/mosquitto/tonypi
rsync -a --delete --exclude node_modules --exclude data --exclude hub-data --exclude .git "$src/" /opt/tonypi-monitor/
(cd /opt/tonypi-monitor && npm ci --no-audit --no-fund)
# Mosquitto reads the password and ACL files the hub writes; anonymous clients are refused.
chown tonypi-hub:mosquitto /etc/mosquitto/tonypi && chmod 0750 /etc/mosquitto/tonypi
cat > /etc/mosquitto/conf.d/tonypi.conf <<CONF
per_listener_settings false
allow_anonymous false
max_packet_size 262144
password_file /etc/mosquitto/tonypi/passwd
acl_file /etc/mosquitto/tonypi/acl
listener 1883
CONF
if [ ! -f /etc/tonypi/hub.env ]; then
  # First install: generated secrets for the database role and the hub's broker account.
  pg_pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  mq_pw=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
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
ENV
  curl -s -XPOST 'http://127.0.0.1:8086/query' --data-urlencode 'q=CREATE DATABASE tonypi' >/dev/null || true
fi
systemctl restart mosquitto
install -m 0644 "$src/systemd/tonypi-hub.service" /etc/systemd/system/tonypi-hub.service
systemctl daemon-reload
systemctl enable --now tonypi-hub.service
echo "started; the first admin's password: sudo cat /var/lib/tonypi-hub/admin-password"
