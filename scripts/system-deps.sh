#!/usr/bin/env bash
# Installs the Debian packages tickwave needs beyond Node: flatc (the pinned FlatBuffers compiler the
# generated-code check runs), and the headers that give node-rdkafka's bundled librdkafka zstd, lz4,
# SSL and SASL/GSSAPI support (they must be there before `npm install` builds it).
# Idempotent: installs only what is missing. Without root it names what to install and fails.
set -euo pipefail

PACKAGES=(flatbuffers-compiler libzstd-dev liblz4-dev libsasl2-dev libssl-dev)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "system-deps: missing Debian packages: ${missing[*]}" >&2
    echo "system-deps: install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "system-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

version=$(flatc --version 2>/dev/null || true)
if [ "$version" != "flatc version 2.0.8" ]; then
  echo "system-deps: expected flatc version 2.0.8 (Debian's flatbuffers-compiler), found '${version:-none}'" >&2
  exit 1
fi
echo "system-deps: ok (${PACKAGES[*]})"
