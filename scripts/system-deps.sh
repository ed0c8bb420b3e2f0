#!/usr/bin/env bash
# Installs the Debian packages tickwave needs beyond Node: flatc (the pinned FlatBuffers compiler the
# generated-code check runs), and the headers that give node-rdkafka's bundled librdkafka zstd, lz4,
# SSL and SASL/GSSAPI support (they must be there before `npm install` builds it), and Java 17 with
# Maven for the Kafka broker the integration tests run (scripts/kafka.sh fetches its jars with Maven),
# and chromium, the browser the dashboard and SLA-report page tests drive with playwright-core.
# Idempotent: installs only what is missing. Without root it names what to install and fails.
set -euo pipefail

PACKAGES=(flatbuffers-compiler libzstd-dev liblz4-dev libsasl2-dev libssl-dev chromium)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# Java and Maven may come from elsewhere than apt (a JDK on PATH is fine): install only when absent.
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)

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
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
if [ "${java_major:-0}" -lt 17 ] 2>/dev/null; then
  echo "system-deps: the Kafka broker needs Java 17 or newer, found '${java_major:-none}'" >&2
  exit 1
fi
if [ ! -x /usr/bin/chromium ]; then
  echo "system-deps: the browser tests need /usr/bin/chromium (Debian's chromium package)" >&2
  exit 1
fi
echo "system-deps: ok (${PACKAGES[*]}, java ${java_major}, maven)"
