#!/usr/bin/env bash
# Makes sure a Docker daemon answers and that the test base image exists, without pulling anything:
# the image is a minimal Debian made with debootstrap (python3, scikit-learn, pandas, matplotlib,
# pip) and loaded with `docker import`. The root filesystem tarball is cached, so later runs on the
# same machine only import it (or do nothing when the image is already there).
#
# Usage: .ci/docker-base-image.sh [IMAGE]     (as root; default IMAGE trainyard/python-base:bookworm)
# Env:   TRAINYARD_CI_CACHE  cache folder (default /var/cache/trainyard-ci)
#        DEBIAN_MIRROR       (default http://deb.debian.org/debian)
set -euo pipefail
image=${1:-trainyard/python-base:bookworm}
cache=${TRAINYARD_CI_CACHE:-/var/cache/trainyard-ci}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=bookworm
packages="ca-certificates python3 python3-pip python3-sklearn python3-pandas python3-matplotlib"

log() { echo "docker-base-image: $*" >&2; }

start_dockerd() {
  if docker version >/dev/null 2>&1; then return; fi
  [ "$(id -u)" = 0 ] || { log "no Docker daemon answers and only root can start one; run as root or start dockerd"; exit 1; }
  mkdir -p "$cache"
  log "starting dockerd (log: $cache/dockerd.log)"
  setsid nohup dockerd >"$cache/dockerd.log" 2>&1 </dev/null &
  for _ in $(seq 1 60); do
    docker version >/dev/null 2>&1 && return
    sleep 1
  done
  log "dockerd did not answer within 60 s; its log:"
  tail -n 30 "$cache/dockerd.log" >&2
  exit 1
}

start_dockerd
if docker image inspect "$image" >/dev/null 2>&1; then
  log "$image is present"
  exit 0
fi

# The tarball's name carries the recipe, so a changed package list builds a new one.
recipe=$(printf '%s\n' "$suite" "$packages" | sha256sum | cut -c1-12)
tarball="$cache/python-base-$suite-$recipe.tar"
mkdir -p "$cache"
if [ ! -f "$tarball" ]; then
  root=$(mktemp -d "$cache/rootfs.XXXXXX")
  cleanup() {
    mountpoint -q "$root/proc" && umount "$root/proc"
    rm -rf "$root" "$tarball.tmp"
  }
  trap cleanup EXIT
  log "debootstrap $suite from $mirror into $root"
  debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$cache/debootstrap.log" 2>&1 ||
    { tail -n 30 "$cache/debootstrap.log" >&2; exit 1; }
  mount -t proc proc "$root/proc"
  log "installing $packages"
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $packages \
    >>"$cache/debootstrap.log" 2>&1 || { tail -n 30 "$cache/debootstrap.log" >&2; exit 1; }
  chroot "$root" apt-get clean
  umount "$root/proc"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/tmp/*
  tar --numeric-owner -C "$root" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  log "cached the root filesystem in $tarball ($(du -h "$tarball" | cut -f1))"
fi

log "importing $tarball as $image"
docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["python3"]' \
  "$tarball" "$image" >/dev/null
log "$image is ready"
