#!/usr/bin/env bash
# Builds newsflow's container images FROM scratch, with nothing pulled: the
# binaries come from the host (make build, plus nats-server and httpprobe,
# which `make images` builds first), Prometheus from Debian's package.
#
#   deploy/docker/build-images.sh [IMAGE...]     IMAGE: ingest enrich index watch poller newsflow nats-server prometheus
#
# BIN (default ./bin) holds the binaries. Image names follow the variables
# docker-compose.yml reads: NEWSFLOW_INGEST_IMAGE, NEWSFLOW_ENRICH_IMAGE,
# NEWSFLOW_INDEX_IMAGE, NEWSFLOW_POLLER_IMAGE, NEWSFLOW_IMAGE, NATS_IMAGE, PROMETHEUS_IMAGE; their
# defaults use NEWSFLOW_TAG (default dev). VERSION and REVISION label them.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$root/bin}
TAG=${NEWSFLOW_TAG:-dev}
VERSION=${VERSION:-$TAG}
REVISION=${REVISION:-unknown}
UID_NEWSFLOW=65532
UID_NOBODY=65534

image_name() {
  case $1 in
    ingest) echo "${NEWSFLOW_INGEST_IMAGE:-newsflow/ingest:$TAG}" ;;
    enrich) echo "${NEWSFLOW_ENRICH_IMAGE:-newsflow/enrich:$TAG}" ;;
    index) echo "${NEWSFLOW_INDEX_IMAGE:-newsflow/index:$TAG}" ;;
    watch) echo "${NEWSFLOW_WATCH_IMAGE:-newsflow/watch:$TAG}" ;;
    poller) echo "${NEWSFLOW_POLLER_IMAGE:-newsflow/poller:$TAG}" ;;
    newsflow) echo "${NEWSFLOW_IMAGE:-newsflow/newsflow:$TAG}" ;;
    nats-server) echo "${NATS_IMAGE:-newsflow/nats-server:2.15.2}" ;;
    prometheus) echo "${PROMETHEUS_IMAGE:-newsflow/prometheus:2.42.0}" ;;
    *) echo "unknown image $1 (want ingest, enrich, index, watch, poller, newsflow, nats-server or prometheus)" >&2; return 1 ;;
  esac
}

need() {
  for f in "$@"; do
    [[ -x $f ]] || { echo "build-images: $f is missing; run 'make images' (it builds the binaries first)" >&2; exit 1; }
  done
}

# base ROOTFS: the files every image has: a passwd and group file naming the
# non-root users, and nsswitch.conf so that lookups use files then DNS.
base() {
  local rootfs=$1
  mkdir -p "$rootfs/etc" "$rootfs/usr/local/bin" "$rootfs/tmp"
  chmod 1777 "$rootfs/tmp"
  cat >"$rootfs/etc/passwd" <<PASSWD
root:x:0:0:root:/root:/sbin/nologin
newsflow:x:$UID_NEWSFLOW:$UID_NEWSFLOW:newsflow:/var/lib/newsflow:/sbin/nologin
nobody:x:$UID_NOBODY:$UID_NOBODY:nobody:/nonexistent:/sbin/nologin
PASSWD
  cat >"$rootfs/etc/group" <<GROUP
root:x:0:
newsflow:x:$UID_NEWSFLOW:
nogroup:x:$UID_NOBODY:
GROUP
  echo "hosts: files dns" >"$rootfs/etc/nsswitch.conf"
}

# context NAME: prepares a build context with only what image NAME needs.
context() {
  local name=$1 ctx=$2
  local rootfs=$ctx/rootfs
  base "$rootfs"
  case $name in
    ingest | enrich | index | watch | poller | newsflow)
      need "$BIN/$name"
      cp "$BIN/$name" "$rootfs/usr/local/bin/"
      mkdir -p "$ctx/var/lib/newsflow"
      if [[ $name == newsflow ]]; then
        need "$BIN/httpprobe"
        cp "$BIN/httpprobe" "$rootfs/usr/local/bin/"
      fi
      ;;
    nats-server)
      need "$BIN/nats-server" "$BIN/httpprobe"
      cp "$BIN/nats-server" "$BIN/httpprobe" "$rootfs/usr/local/bin/"
      mkdir -p "$rootfs/etc/nats" "$rootfs/etc/ssl/certs" "$ctx/data/jetstream"
      cp "$root/deploy/docker/nats-server.conf" "$rootfs/etc/nats/"
      # nats-server verifies TLS peers (leaf nodes, gateways) with the
      # system roots: give it the host's bundle.
      if [[ -f /etc/ssl/certs/ca-certificates.crt ]]; then
        cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/"
      fi
      ;;
    prometheus)
      local prom=${PROMETHEUS_BINARY:-/usr/bin/prometheus}
      need "$prom" "$BIN/httpprobe"
      mkdir -p "$rootfs/bin" "$rootfs/etc/prometheus" "$ctx/prometheus"
      cp "$prom" "$rootfs/bin/prometheus"
      cp "$BIN/httpprobe" "$rootfs/usr/local/bin/"
      # The libraries the dynamic loader needs, at the paths ldd names.
      local lib
      while read -r lib; do
        mkdir -p "$rootfs$(dirname "$lib")"
        cp -L "$lib" "$rootfs$lib"
      done < <(ldd "$prom" | grep -oE '(/[^ ]+\.so[^ ]*)' | sort -u)
      cp "$root/deploy/prometheus/prometheus.yml" "$root/deploy/prometheus/alerts.yml" "$rootfs/etc/prometheus/"
      ;;
  esac
}

build() {
  local name=$1 img ctx args=()
  img=$(image_name "$name")
  ctx=$(mktemp -d)
  trap 'rm -rf "$ctx"' RETURN
  context "$name" "$ctx"
  case $name in
    nats-server) args+=(--build-arg "NATS_VERSION=2.15.2") ;;
    prometheus) args+=(--build-arg "PROMETHEUS_VERSION=$(/usr/bin/prometheus --version 2>&1 | awk 'NR==1{print $3}')") ;;
    *) args+=(--build-arg "VERSION=$VERSION" --build-arg "REVISION=$REVISION") ;;
  esac
  echo "== image $img"
  # The classic builder: it needs no buildx plugin and pulls nothing for
  # FROM scratch. Its deprecation notice is noise here; real errors show.
  if ! DOCKER_BUILDKIT=0 docker build --quiet "${args[@]}" -f "$root/deploy/docker/$name.Dockerfile" -t "$img" "$ctx" >"$ctx.log" 2>&1; then
    cat "$ctx.log" >&2
    rm -f "$ctx.log"
    return 1
  fi
  rm -f "$ctx.log"
}

images=("$@")
if ((${#images[@]} == 0)); then
  images=(ingest enrich index watch poller newsflow nats-server prometheus)
fi
for name in "${images[@]}"; do
  image_name "$name" >/dev/null
  build "$name"
done
for name in "${images[@]}"; do
  docker image inspect --format "$(image_name "$name") {{.Size}}" "$(image_name "$name")" |
    awk '{printf "%-40s %6.1f MB\n", $1, $2/1e6}'
done
