#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft mode, one process that is both broker and controller)
# on 127.0.0.1, for development, tests and CI.
#
#   bash scripts/kafka.sh start    fetch the jars (first run only), format storage (once), start the
#                                  broker in the background and wait until it answers a metadata request
#   bash scripts/kafka.sh stop     stop it (SIGTERM, then SIGKILL after KAFKA_STOP_TIMEOUT seconds)
#   bash scripts/kafka.sh status   print running/stopped; exit 0 when it runs and answers, 1 otherwise
#   bash scripts/kafka.sh restart  stop, then start
#   bash scripts/kafka.sh reset    stop, then delete the data and logs (the jars are kept)
#   bash scripts/kafka.sh logs     print the log's path and its last lines
#
# The official Kafka jars come from Maven Central through Maven (scripts/kafka/pom.xml, which also sets
# the Kafka version) and are copied once into the cache directory; everything runs from there with
# `java -cp '<libs>/*'`. Needs Java 17 or newer and Maven 3 (Debian: openjdk-17-jre-headless, maven).
#
# Environment:
#   KAFKA_PORT             PLAINTEXT listener port (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller listener port (default 9093)
#   KAFKA_NUM_PARTITIONS   default partition count of new topics (default 4)
#   KAFKA_START_TIMEOUT    seconds `start` waits for the broker to answer (default 90)
#   KAFKA_STOP_TIMEOUT     seconds `stop` waits after SIGTERM before SIGKILL (default 30)
#   KAFKA_HEAP_OPTS        JVM heap options (default "-Xms256m -Xmx512m")
#   KAFKA_VERSION          Kafka version to fetch (default: kafka.version in scripts/kafka/pom.xml)
#   TICKWAVE_KAFKA_HOME    cache directory: jars, config, data, logs, pid file
#                          (default $HOME/.cache/tickwave/kafka-<version>)
#   JAVA_HOME              the JDK/JRE to use (default: java on PATH)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
kdir="$here/kafka"
pom="$kdir/pom.xml"

log() { printf 'kafka: %s\n' "$*"; }
die() { printf 'kafka: error: %s\n' "$*" >&2; exit 1; }

pom_version="$(sed -n 's:.*<kafka\.version>\(.*\)</kafka\.version>.*:\1:p' "$pom" | head -n 1)"
[ -n "$pom_version" ] || die "no <kafka.version> in $pom"
VERSION="${KAFKA_VERSION:-$pom_version}"
KHOME="${TICKWAVE_KAFKA_HOME:-${HOME:?set HOME or TICKWAVE_KAFKA_HOME}/.cache/tickwave/kafka-$VERSION}"
PORT="${KAFKA_PORT:-9092}"
CPORT="${KAFKA_CONTROLLER_PORT:-9093}"
NUM_PARTITIONS="${KAFKA_NUM_PARTITIONS:-4}"
START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"

for v in PORT CPORT NUM_PARTITIONS START_TIMEOUT STOP_TIMEOUT; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "$v must be a whole number, got '${!v}'"
done
[ "$PORT" != "$CPORT" ] || die "KAFKA_PORT and KAFKA_CONTROLLER_PORT must differ (both $PORT)"

LIBS="$KHOME/libs"
MARKER="$LIBS/.complete"
DATA="$KHOME/data"
CONF_DIR="$KHOME/config"
CONF="$CONF_DIR/server.properties"
LOGS="$KHOME/logs"
SERVER_LOG="$LOGS/server.log"
OUT_LOG="$LOGS/kafka.out"
PIDFILE="$KHOME/kafka.pid"

JAVA="java"
if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then JAVA="$JAVA_HOME/bin/java"; fi

# ---------------------------------------------------------------------------------------------------

check_java() {
  command -v "$JAVA" >/dev/null 2>&1 || die "Java 17 or newer is needed (Debian: apt-get install openjdk-17-jre-headless)"
  local spec
  spec="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n 1)"
  spec="${spec#1.}"
  [[ "$spec" =~ ^[0-9]+$ ]] || die "could not tell the version of $JAVA"
  [ "$spec" -ge 17 ] || die "Kafka $VERSION needs Java 17 or newer; $JAVA is Java $spec (set JAVA_HOME)"
}

# Copies the jars into $LIBS unless a complete copy for this pom and version is already there.
fetch_jars() {
  local stamp tmp
  stamp="kafka $VERSION pom $(sha256sum "$pom" | cut -d ' ' -f 1)"
  if [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$stamp" ]; then return 0; fi
  command -v mvn >/dev/null 2>&1 || die "Maven is needed to fetch the Kafka jars (Debian: apt-get install maven)"
  log "fetching jars with Maven (org.apache.kafka:kafka_2.13:$VERSION) into $LIBS ..."
  tmp="$KHOME/libs.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$KHOME"
  if ! mvn -B -Dstyle.color=never -f "$pom" -Dkafka.version="$VERSION" \
      dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp" >"$KHOME/maven.log" 2>&1; then
    rm -rf "$tmp"
    grep -E 'ERROR|BUILD' "$KHOME/maven.log" | head -n 20 >&2 || true
    die "Maven could not fetch the Kafka $VERSION jars (full output: $KHOME/maven.log)"
  fi
  [ -f "$tmp/kafka_2.13-$VERSION.jar" ] || { rm -rf "$tmp"; die "Maven ran but kafka_2.13-$VERSION.jar is missing"; }
  rm -rf "$LIBS"
  mv "$tmp" "$LIBS"
  printf '%s\n' "$stamp" >"$MARKER"
  log "fetched $(find "$LIBS" -name '*.jar' | wc -l | tr -d ' ') jars"
}

# JVM options of the Kafka command-line classes run from the cached jars: small heap, quick start,
# warnings only.
TOOL_JVM=(-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$CONF_DIR/tools-log4j2.xml" -cp "$LIBS/*")
tool() { "$JAVA" "${TOOL_JVM[@]}" "$@"; }

write_config() {
  mkdir -p "$CONF_DIR" "$LOGS"
  local t
  t="$(cat "$kdir/server.properties.template")"
  t="${t//@PORT@/"$PORT"}"
  t="${t//@CONTROLLER_PORT@/"$CPORT"}"
  t="${t//@DATA_DIR@/"$DATA"}"
  t="${t//@NUM_PARTITIONS@/"$NUM_PARTITIONS"}"
  printf '%s\n' "$t" >"$CONF"
  cp "$kdir/log4j2.xml" "$CONF_DIR/log4j2.xml"
  cp "$kdir/tools-log4j2.xml" "$CONF_DIR/tools-log4j2.xml"
  # Client settings of the readiness check: fail fast and retry rather than wait a minute.
  printf '%s\n' 'request.timeout.ms=5000' 'default.api.timeout.ms=8000' 'retries=0' >"$CONF_DIR/check-client.properties"
}

# Formats the data directory with Kafka's storage tool, once (meta.properties marks a formatted one).
format_storage() {
  [ -f "$DATA/meta.properties" ] && return 0
  local cid
  log "formatting storage in $DATA ..."
  mkdir -p "$DATA"
  cid="$(tool kafka.tools.StorageTool random-uuid | tail -n 1)"
  [[ "$cid" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "the storage tool gave no cluster id (got '$cid')"
  tool kafka.tools.StorageTool format --cluster-id "$cid" --config "$CONF" --ignore-formatted >/dev/null \
    || die "formatting $DATA failed"
  [ -f "$DATA/meta.properties" ] || die "formatting $DATA wrote no meta.properties"
  printf '%s\n' "$cid" >"$KHOME/cluster.id"
}

# True while $1 is a live (not zombie) process.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  if [ -r "/proc/$1/stat" ]; then
    local state
    state="$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null || true)"
    [ "$state" != "Z" ] || return 1
  fi
  return 0
}

# Prints the pid of the broker this cache directory runs, or fails when none runs.
running_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid args
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  if [ -r "/proc/$pid/cmdline" ]; then
    args="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  else
    args="$(ps -p "$pid" -o args= 2>/dev/null || true)"
  fi
  # A pid file left behind whose pid now belongs to another process does not count.
  [[ "$args" == *kafka.Kafka* && "$args" == *"$CONF"* ]] || return 1
  printf '%s\n' "$pid"
}

# The PLAINTEXT port of the broker as configured at its last start.
configured_port() {
  sed -n 's/^advertised\.listeners=PLAINTEXT:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$CONF" 2>/dev/null | head -n 1
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

tail_logs() {
  local f
  for f in "$SERVER_LOG" "$OUT_LOG"; do
    if [ -s "$f" ]; then
      printf -- '--- last lines of %s ---\n' "$f" >&2
      tail -n 40 "$f" >&2
    fi
  done
  if [ -s "$KHOME/check.err" ]; then
    printf -- '--- last readiness check ---\n' >&2
    tail -n 10 "$KHOME/check.err" >&2
  fi
}

# Lists topics through Kafka's own topics tool; exit 0 when the broker answered.
list_topics() {
  local port="$1" limit="$2"
  timeout "$limit" "$JAVA" "${TOOL_JVM[@]}" org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$port" \
    --command-config "$CONF_DIR/check-client.properties" --list >/dev/null 2>"$KHOME/check.err"
}

kill_and_wait() {
  local pid="$1" limit="$2" waited=0
  kill -TERM "$pid" 2>/dev/null || true
  while alive "$pid" && [ "$waited" -lt $((limit * 5)) ]; do sleep 0.2; waited=$((waited + 1)); done
  if alive "$pid"; then
    log "broker (pid $pid) did not stop within ${limit}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    waited=0
    while alive "$pid" && [ "$waited" -lt 50 ]; do sleep 0.2; waited=$((waited + 1)); done
    alive "$pid" && die "broker (pid $pid) is still there after SIGKILL"
  fi
  return 0
}

# Serializes start/stop/reset of one cache directory (two CI steps, two terminals).
take_lock() {
  mkdir -p "$KHOME"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$KHOME/.lock"
    flock -w 600 9 || die "another scripts/kafka.sh holds $KHOME/.lock"
  fi
}

# ---------------------------------------------------------------------------------------------------

cmd_start() {
  local t0=$SECONDS pid port deadline left
  take_lock
  if pid="$(running_pid)"; then
    port="$(configured_port)"
    [ "$port" = "$PORT" ] || die "already running (pid $pid) on 127.0.0.1:$port, not on $PORT; stop it first"
    if list_topics "$PORT" 20; then
      log "already running (pid $pid) on 127.0.0.1:$PORT (log: $SERVER_LOG)"
      return 0
    fi
    log "running (pid $pid) but not answering yet; waiting ..."
  else
    rm -f "$PIDFILE"
    port_open "$PORT" && die "127.0.0.1:$PORT is in use by another process (set KAFKA_PORT to use another port)"
    port_open "$CPORT" && die "127.0.0.1:$CPORT is in use by another process (set KAFKA_CONTROLLER_PORT)"
    check_java
    fetch_jars
    write_config
    format_storage
    log "starting broker (Kafka $VERSION, KRaft broker+controller) on 127.0.0.1:$PORT ..."
    printf '\n=== %s: scripts/kafka.sh start ===\n' "$(date '+%Y-%m-%d %H:%M:%S')" >>"$OUT_LOG"
    local -a heap jvm
    read -r -a heap <<<"$HEAP_OPTS"
    jvm=(
      "${heap[@]}"
      -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35
      -XX:+ExplicitGCInvokesConcurrent -XX:ErrorFile="$LOGS/hs_err_pid%p.log"
      -Djava.awt.headless=true -Dkafka.logs.dir="$LOGS" -Dlog4j2.configurationFile="$CONF_DIR/log4j2.xml"
      -Dlog4j2.shutdownHookEnabled=false
      -cp "$LIBS/*" kafka.Kafka "$CONF"
    )
    local -a detach=()
    command -v setsid >/dev/null 2>&1 && detach=(setsid)
    # The child writes its own pid and then becomes the JVM, in a session of its own, with no
    # descriptor of ours open (a caller that waits for our output must not wait for the broker).
    (
      cd "$KHOME"
      exec 9>&-
      exec "${detach[@]}" nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$PIDFILE" "$JAVA" "${jvm[@]}" \
        </dev/null >>"$OUT_LOG" 2>&1
    ) &
    local waited=0
    while [ ! -s "$PIDFILE" ] && [ "$waited" -lt 50 ]; do sleep 0.1; waited=$((waited + 1)); done
    pid="$(cat "$PIDFILE" 2>/dev/null || true)"
    [[ "$pid" =~ ^[0-9]+$ ]] || { tail_logs; die "the broker process did not start"; }
  fi

  deadline=$((t0 + START_TIMEOUT))
  while :; do
    if ! alive "$pid"; then
      tail_logs
      rm -f "$PIDFILE"
      die "the broker exited during startup (log: $SERVER_LOG)"
    fi
    left=$((deadline - SECONDS))
    if [ "$left" -le 0 ]; then
      tail_logs
      log "stopping the broker that did not come up ..."
      kill_and_wait "$pid" 10
      rm -f "$PIDFILE"
      die "the broker did not answer on 127.0.0.1:$PORT within ${START_TIMEOUT}s (KAFKA_START_TIMEOUT; log: $SERVER_LOG)"
    fi
    if port_open "$PORT"; then
      [ "$left" -gt 20 ] && left=20
      list_topics "$PORT" "$left" && break
    fi
    sleep 0.5
  done
  log "started on 127.0.0.1:$PORT (pid $pid, $((SECONDS - t0))s, log: $SERVER_LOG)"
}

cmd_stop() {
  local pid
  take_lock
  if ! pid="$(running_pid)"; then
    rm -f "$PIDFILE"
    log "not running"
    return 0
  fi
  log "stopping broker (pid $pid) ..."
  kill_and_wait "$pid" "$STOP_TIMEOUT"
  rm -f "$PIDFILE"
  log "stopped"
}

cmd_status() {
  local pid port
  if pid="$(running_pid)"; then
    port="$(configured_port)"
    if port_open "$port"; then
      log "running (pid $pid) on 127.0.0.1:$port (log: $SERVER_LOG)"
      return 0
    fi
    log "starting or not answering (pid $pid, 127.0.0.1:$port closed; log: $SERVER_LOG)"
    return 1
  fi
  log "stopped"
  return 1
}

cmd_reset() {
  cmd_stop
  log "deleting $DATA and $LOGS ..."
  rm -rf "$DATA" "$LOGS" "$KHOME/cluster.id" "$KHOME/check.err"
  log "reset (the jars in $LIBS are kept)"
}

cmd_logs() {
  log "log: $SERVER_LOG"
  [ -f "$SERVER_LOG" ] && tail -n "${LINES_TO_SHOW:-50}" "$SERVER_LOG"
  return 0
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  restart) cmd_stop; cmd_start ;;
  reset) cmd_reset ;;
  logs) cmd_logs ;;
  *)
    echo "usage: bash scripts/kafka.sh start|stop|status|restart|reset|logs" >&2
    exit 2
    ;;
esac
