#!/usr/bin/env bash
# Starts the HBase master (standalone: regionserver and ZooKeeper in the same JVM), the thrift1
# gateway and the thrift2 gateway (table creation with split keys) inside the container, and
# stops the container when any of them exits, so
# that Docker's restart policy and `docker compose ps` see a failure instead of a half-alive
# service.
set -euo pipefail

readonly HOME_DIR=/opt/hbase
readonly DATA=/data

mkdir -p "$HOME_DIR/conf" "$DATA"
sed "s|@DATA@|$DATA|g" "$HOME_DIR/templates/hbase-site.xml.in" >"$HOME_DIR/conf/hbase-site.xml"
cp "$HOME_DIR/templates/log4j2.properties" "$HOME_DIR/conf/"
# ZooKeeper holds only live state in standalone mode; a stale copy from a killed container
# makes the master wait for the old regionserver's session to time out.
rm -rf "$DATA/zk"

java -Xms256m -Xmx3g @"$HOME_DIR/templates/java17.args" \
    -cp "$HOME_DIR/conf:$HOME_DIR/lib/*" org.apache.hadoop.hbase.master.HMaster start &
master=$!
java -Xms128m -Xmx512m @"$HOME_DIR/templates/java17.args" \
    -cp "$HOME_DIR/conf:$HOME_DIR/lib/*" org.apache.hadoop.hbase.thrift.ThriftServer \
    -threadpool -b 127.0.0.1 -p 9090 &
thrift=$!
java -Xms64m -Xmx256m @"$HOME_DIR/templates/java17.args" \
    -cp "$HOME_DIR/conf:$HOME_DIR/lib/*" org.apache.hadoop.hbase.thrift2.ThriftServer \
    -threadpool -b 127.0.0.1 -p 9091 &
thrift2=$!

# `docker stop` sends SIGTERM to this script (PID 1); pass it on so HBase closes its regions.
trap 'kill -TERM "$thrift2" "$thrift" "$master" 2>/dev/null || true' TERM INT

status=0
wait -n "$master" "$thrift" "$thrift2" || status=$?
kill -TERM "$thrift2" "$thrift" "$master" 2>/dev/null || true
wait || true
exit "$status"
