#!/usr/bin/env bash
# A throwaway PostgreSQL for the test suite, on 127.0.0.1 only.
#
#   eval "$(bash tests/postgres/server.sh start)"   # installs it from Debian if missing, starts it,
#                                                   # and exports MADOGUCHI_TEST_POSTGRES
#   eval "$(bash tests/postgres/server.sh bench)"   # a second server for `make bench`, durable
#                                                   # (fsync on), exports MADOGUCHI_BENCH_POSTGRES
#   bash tests/postgres/server.sh stop              # (stop-bench for the second one)
#
# The server runs as the 'postgres' user when started by root (PostgreSQL refuses to run as root)
# and trusts local connections: it holds nothing but test data and is gone with its directory.
set -euo pipefail

DIR="${MADOGUCHI_PG_DIR:-/tmp/madoguchi-test-pg}"
PORT="${MADOGUCHI_PG_PORT:-55432}"
# Test data only: durability is off to keep the suite quick. The bench's server keeps it on.
SETTINGS="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
VARIABLE=MADOGUCHI_TEST_POSTGRES
if [[ "${1:-start}" == bench || "${1:-start}" == stop-bench ]]; then
    DIR="${MADOGUCHI_BENCH_PG_DIR:-/tmp/madoguchi-bench-pg}"
    PORT="${MADOGUCHI_BENCH_PG_PORT:-55433}"
    SETTINGS=""
    VARIABLE=MADOGUCHI_BENCH_POSTGRES
fi
URL="postgresql+psycopg://postgres@127.0.0.1:${PORT}/postgres"

find_bin() {
    local found
    found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [[ -z "$found" ]] && command -v initdb >/dev/null; then
        found=$(dirname "$(command -v initdb)")
    fi
    echo "$found"
}

as_owner() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

install() {
    echo "PostgreSQL not found: installing it from the system packages" >&2
    if [[ $(id -u) -ne 0 ]]; then
        echo "need root to install PostgreSQL (apt-get install postgresql)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
}

start() {
    local bin
    bin=$(find_bin)
    if [[ -z "$bin" || ! -x "$bin/initdb" ]]; then
        install
        bin=$(find_bin)
    fi
    if [[ $(id -u) -eq 0 ]] && ! id postgres >/dev/null 2>&1; then
        useradd --system --home-dir /var/lib/postgresql --shell /bin/sh postgres
    fi
    if ! as_owner "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; then
        mkdir -p "$DIR"
        [[ $(id -u) -eq 0 ]] && chown postgres "$DIR"
        if [[ ! -f "$DIR/data/PG_VERSION" ]]; then
            as_owner "$bin/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 \
                --locale=C.UTF-8 >/dev/null
        fi
        as_owner "$bin/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start -o \
            "-h 127.0.0.1 -p $PORT -k $DIR $SETTINGS -c max_connections=200" >/dev/null
    fi
    echo "export $VARIABLE='$URL'"
}

stop() {
    local bin
    bin=$(find_bin)
    if [[ -n "$bin" && -f "$DIR/data/postmaster.pid" ]]; then
        as_owner "$bin/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null
    fi
}

case "${1:-start}" in
start | bench) start ;;
stop | stop-bench) stop ;;
*)
    echo "usage: $0 start|stop|bench|stop-bench" >&2
    exit 2
    ;;
esac
