#!/usr/bin/env bash
# Start a throw-away Neo4j 5.26 community server on 127.0.0.1 for the Neo4j tests.
#
#   eval "$(tests/neo4j_server/start.sh)"   # prints export NEO4J_URI=… NEO4J_USER=… NEO4J_PASSWORD=…
#   pytest -q
#   tests/neo4j_server/stop.sh
#
# The jars come from Maven Central through Maven (pom.xml beside this script) and are
# copied once into a cache folder outside the checkout, so later starts need no network.
# Messages go to stderr; only the export lines go to stdout. Every wait is bounded.
#
# Settings (environment):
#   NEO4J_TEST_CACHE          jar cache      (default: ${XDG_CACHE_HOME:-~/.cache}/deepresearch-tui-neo4j)
#   NEO4J_TEST_STATE          run folder     (default: tests/neo4j_server/target/run; git-ignored)
#   NEO4J_TEST_FETCH_TIMEOUT  seconds for Maven to fetch the jars (default 900)
#   NEO4J_TEST_START_TIMEOUT  seconds for the server to answer Bolt (default 300: start-up is
#                             CPU-bound, about 30 s on an idle 2-core machine)
#   NEO4J_TEST_JAVA_OPTS      JVM options    (default: a small heap for 2-core machines)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
fail() { echo "neo4j test server: $*" >&2; exit 1; }
# Stop a server that did not come up, and wait for it: its shutdown hook still uses the
# database folder, which the next start removes.
abandon() {
    kill -TERM "$1" 2>/dev/null || return 0
    local until=$((SECONDS + 30))
    while kill -0 "$1" 2>/dev/null && [ "$SECONDS" -lt "$until" ]; do sleep 0.2; done
    kill -KILL "$1" 2>/dev/null || true
}

for tool in java javac mvn python3; do
    command -v "$tool" >/dev/null 2>&1 || fail "'$tool' not found on PATH (the Neo4j test server needs OpenJDK 17+ with javac, Maven 3.8+ and python3)"
done
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[ "${java_major%%.*}" -ge 17 ] 2>/dev/null || fail "Java 17 or newer is needed (found '${java_major:-unknown}')"

version="$(sed -n 's:.*<neo4j.version>\(.*\)</neo4j.version>.*:\1:p' "$here/pom.xml")"
[ -n "$version" ] || fail "no <neo4j.version> in $here/pom.xml"
cache="${NEO4J_TEST_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/deepresearch-tui-neo4j}/$version"
state="${NEO4J_TEST_STATE:-$here/target/run}"
mkdir -p "$cache" "$state"

# --- a server of ours still running: print its settings again -----------------------------
if [ -f "$state/pid" ] && kill -0 "$(cat "$state/pid")" 2>/dev/null && [ -f "$state/env" ]; then
    echo "neo4j test server: already running (pid $(cat "$state/pid"))" >&2
    cat "$state/env"
    exit 0
fi
rm -rf "$state/home" "$state/pid" "$state/env"

# --- the jars, fetched once ----------------------------------------------------------------
lib="$cache/lib"
if [ ! -f "$lib/.complete" ]; then
    echo "neo4j test server: fetching Neo4j $version jars with Maven (once; cached in $cache)" >&2
    rm -rf "$lib.partial"
    fetched=0
    started=$SECONDS
    timeout "${NEO4J_TEST_FETCH_TIMEOUT:-900}" mvn -B -q -f "$here/pom.xml" \
        dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$lib.partial" \
        >"$cache/fetch.log" 2>&1 && fetched=1
    if [ "$fetched" != 1 ]; then
        tail -n 15 "$cache/fetch.log" >&2 || true
        fail "Maven could not fetch the Neo4j jars (is Maven Central reachable? full log: $cache/fetch.log)"
    fi
    rm -rf "$lib" && mv "$lib.partial" "$lib" && touch "$lib/.complete"
    echo "neo4j test server: jars fetched in $((SECONDS - started)) s" >&2
fi

# --- the launcher, compiled once per version of its source ---------------------------------
src="$here/Neo4jTestServer.java"
classes="$cache/classes-$(sha256sum "$src" | cut -c1-12)"
if [ ! -f "$classes/Neo4jTestServer.class" ]; then
    rm -rf "$classes.partial" && mkdir -p "$classes.partial"
    javac -nowarn -cp "$lib/*" -d "$classes.partial" "$src" >&2 \
        || fail "javac could not compile $src"
    rm -rf "$classes" && mv "$classes.partial" "$classes"
fi

# --- start it ------------------------------------------------------------------------------
read -r port password < <(python3 -c '
import secrets, socket
s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], secrets.token_urlsafe(18))')
# The options the Neo4j server's own launcher passes on Java 17 (no illegal-access warnings).
opens="--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
--add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED"
# shellcheck disable=SC2086  # the option lists are split on purpose
# C1 only (TieredStopAtLevel=1): start-up is mostly JIT work, and on a loaded 2-core machine
# this brought it from ~90 s to ~30 s; the tests' short queries do not need C2's peak speed.
NEO4J_TEST_PASSWORD="$password" nohup java ${NEO4J_TEST_JAVA_OPTS:--Xms256m -Xmx1g -XX:+UseParallelGC -XX:ParallelGCThreads=2 -XX:TieredStopAtLevel=1} \
    $opens -cp "$classes:$lib/*" Neo4jTestServer "$state/home" "$port" \
    >"$state/server.log" 2>&1 </dev/null &
pid=$!
echo "$pid" >"$state/pid"

# --- wait until it answers Bolt ------------------------------------------------------------
deadline=$((SECONDS + ${NEO4J_TEST_START_TIMEOUT:-300}))
started=$SECONDS
until grep -q '^READY ' "$state/server.log" 2>/dev/null && python3 - "$port" <<'PY'
import socket, sys
# Bolt handshake: the magic preamble and four proposed versions (5.x, 4.4, 4.3, 3);
# a Bolt server answers with the version it picked (four bytes, not all zero).
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as s:
    s.settimeout(2)
    s.sendall(bytes.fromhex("6060B017" "00000405" "00000404" "00000403" "00000003"))
    answer = s.recv(4)
sys.exit(0 if len(answer) == 4 and answer != b"\0\0\0\0" else 1)
PY
do
    if ! kill -0 "$pid" 2>/dev/null; then
        tail -n 30 "$state/server.log" >&2 || true
        rm -f "$state/pid"
        fail "the server exited during start-up (log: $state/server.log)"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
        tail -n 30 "$state/server.log" >&2 || true
        abandon "$pid"
        rm -f "$state/pid"
        fail "no Bolt answer on 127.0.0.1:$port within ${NEO4J_TEST_START_TIMEOUT:-300} s (log: $state/server.log)"
    fi
    sleep 0.5
done

umask 077
cat >"$state/env" <<EOF
export NEO4J_URI=bolt://127.0.0.1:$port
export NEO4J_USER=neo4j
export NEO4J_PASSWORD=$password
EOF
echo "neo4j test server: Neo4j $version answers Bolt on 127.0.0.1:$port (pid $pid, up in $((SECONDS - started)) s)" >&2
cat "$state/env"
