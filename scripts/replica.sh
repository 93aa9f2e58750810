#!/usr/bin/env bash
# A PostgreSQL streaming replica of the local cluster for the replica tests (issue 15,
# docs/adr/0015): a standby made with pg_basebackup, on port ${XUESHI_REPLICA_PORT:-5433},
# its data in /var/lib/postgresql/xueshi-replica. Reuses a standby that is already streaming.
# Needs Debian's PostgreSQL (pg_ctlcluster) and root (it adds a replication line to the
# cluster's pg_hba.conf when missing: trust from 127.0.0.1, as the test cluster's other
# lines). Prints the replica's address on its last line.
set -euo pipefail

PORT=${XUESHI_REPLICA_PORT:-5433}
PRIMARY_PORT=${XUESHI_PRIMARY_PORT:-5432}
DIR=${XUESHI_REPLICA_DIR:-/var/lib/postgresql/xueshi-replica}

streaming() {
    [ "$(psql -h 127.0.0.1 -p "$PORT" -U postgres -d postgres -tAc \
        "SELECT pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')" \
        2>/dev/null)" = "t" ]
}

if streaming; then
    echo "replica: streaming on port $PORT"
    echo "postgres://postgres@127.0.0.1:$PORT"
    exit 0
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
bin=/usr/lib/postgresql/$version/bin
hba=/etc/postgresql/$version/main/pg_hba.conf
if ! grep -Eq '^host[[:space:]]+replication[[:space:]]+all[[:space:]]+127\.0\.0\.1/32' "$hba"; then
    echo "replica: allowing replication from 127.0.0.1 in $hba"
    echo "host replication all 127.0.0.1/32 trust" >>"$hba"
    pg_ctlcluster --skip-systemctl-redirect "$version" main reload
fi

if [ -f "$DIR/postmaster.pid" ]; then
    runuser -u postgres -- "$bin/pg_ctl" -D "$DIR" stop -m fast >/dev/null 2>&1 || true
fi
rm -rf "$DIR"
echo "replica: pg_basebackup from port $PRIMARY_PORT into $DIR"
runuser -u postgres -- "$bin/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
    -D "$DIR" -R -X stream -c fast
# Debian keeps a cluster's configuration in /etc: the standby gets its own.
cat >"$DIR/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
hot_standby = on
max_connections = 100
CONF
cat >"$DIR/pg_hba.conf" <<CONF
local all all trust
host all all 127.0.0.1/32 trust
CONF
chown postgres:postgres "$DIR/postgresql.conf" "$DIR/pg_hba.conf"
runuser -u postgres -- "$bin/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 start >/dev/null
for _ in $(seq 1 30); do
    if streaming; then
        echo "replica: streaming on port $PORT"
        echo "postgres://postgres@127.0.0.1:$PORT"
        exit 0
    fi
    sleep 1
done
echo "replica: not streaming after 30 s; $DIR/server.log:" >&2
tail -n 20 "$DIR/server.log" >&2
exit 1
