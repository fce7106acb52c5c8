#!/usr/bin/env bash
# A private PostgreSQL server for the tests: its own data dir, socket dir and port, owned by the
# "postgres" system user (initdb refuses to run as root). Usage: tools/pg.sh start|stop|url
set -euo pipefail
DIR=${YC_PG_DIR:-/tmp/yichuang-pg}
PORT=${YC_PG_PORT:-55432}
URL="postgresql+psycopg://yichuang@127.0.0.1:${PORT}/postgres"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
if [ -z "$PGBIN" ]; then echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; fi
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
case "${1:-}" in
  start)
    mkdir -p "$DIR"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR"
    if [ ! -f "$DIR/data/PG_VERSION" ]; then
      as_owner "$PGBIN/initdb" -D "$DIR/data" -U yichuang -A trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log"
    fi
    mkdir -p "$DIR/sock"; [ "$(id -u)" = 0 ] && chown postgres:postgres "$DIR/sock"
    if ! as_owner "$PGBIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1; then
      # fsync off: test data only; it makes the suite several times faster on slow disks.
      as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 60 start \
        -o "-p $PORT -k $DIR/sock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
    fi
    echo "$URL"
    ;;
  stop)
    if [ -f "$DIR/data/PG_VERSION" ]; then as_owner "$PGBIN/pg_ctl" -D "$DIR/data" -m fast stop >/dev/null 2>&1 || true; fi
    ;;
  url) echo "$URL" ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
