#!/usr/bin/env bash
# Stop the Neo4j test server that start.sh started (a clean shutdown: SIGTERM runs the DBMS's
# shutdown hook; SIGKILL only if it has not exited within NEO4J_TEST_STOP_TIMEOUT seconds,
# default 60) and remove its throw-away database. Harmless when nothing is running.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state="${NEO4J_TEST_STATE:-$here/target/run}"

if [ ! -f "$state/pid" ]; then
    echo "neo4j test server: not running" >&2
    exit 0
fi
pid="$(cat "$state/pid")"
if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    deadline=$((SECONDS + ${NEO4J_TEST_STOP_TIMEOUT:-60}))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do
        sleep 0.2
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "neo4j test server: pid $pid did not stop in time; killing it" >&2
        kill -KILL "$pid" 2>/dev/null
    else
        echo "neo4j test server: stopped (pid $pid)" >&2
    fi
fi
rm -rf "$state/home" "$state/pid" "$state/env"
