#!/usr/bin/env bash
# Starts what the test suite needs on this machine, if it is not running already: PostgreSQL,
# NATS with JetStream, a Distribution (OCI) registry on 127.0.0.1:5000, and iproute2 for the
# network-namespace specs. Idempotent.
set -euo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  echo "start-services: $2 did not open port $1" >&2
  return 1
}

if ! port_open 5432; then
  echo "start-services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  wait_port 5432 PostgreSQL
fi

if ! port_open 4222; then
  echo "start-services: starting NATS"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
  wait_port 4222 NATS
fi

if ! command -v docker-registry >/dev/null 2>&1; then
  echo "start-services: installing Debian's docker-registry"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker-registry >/dev/null
fi
if ! port_open 5000; then
  echo "start-services: starting the OCI registry"
  dir=/tmp/stellaops-test-registry
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:5000
YAML
  nohup docker-registry serve "$dir/config.yml" >"$dir/registry.log" 2>&1 &
  wait_port 5000 "the OCI registry"
fi
# The outbound guard's end-to-end specs run in a loopback-only network namespace (ip netns).
if ! command -v ip >/dev/null 2>&1; then
  echo "start-services: installing iproute2"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq iproute2 >/dev/null
fi
echo "start-services: PostgreSQL, NATS and the registry are up; ip netns is available"
