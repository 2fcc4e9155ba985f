"""Readiness probes that `scripts/stack` runs with the stack's own virtualenv.

Each probe makes one real request to a server, prints a short result on stdout and exits 0, or
prints the error on stderr and exits 1. The shell script retries a failed probe until its
deadline and bounds every run with `timeout`, so a probe that hangs counts as a failed one.

    check.py hbase-tables HOST PORT      list tables over Thrift (thrift1, buffered, binary);
                                         prints how many there are
    check.py spark URL BOOTSTRAP TOPIC   run SELECT 1, then write 10 rows to Kafka TOPIC and
                                         read the topic back through Spark's Kafka source;
                                         prints the server's Spark version and the row count
"""

import sys


def hbase_tables(host, port):
    # happybase speaks thrift1 with the binary protocol over a buffered (unframed) transport by
    # default, which is exactly what the stack's gateway serves.
    import happybase

    conn = happybase.Connection(host, int(port), timeout=10_000, autoconnect=False)
    try:
        conn.open()
        print(len(conn.tables()))
    finally:
        conn.close()


def spark(url, bootstrap, topic):
    # One session does both checks: importing pyspark and opening a session costs seconds,
    # more than the queries themselves.
    from pyspark.sql import SparkSession

    session = SparkSession.builder.remote(url).getOrCreate()
    try:
        one = session.sql("SELECT 1 AS one").collect()[0][0]
        if one != 1:
            raise RuntimeError(f"SELECT 1 returned {one!r}")

        # Writing first means the topic exists and holds data even on a fresh broker (which
        # creates it on first use), so the read proves the connector can fetch records, not
        # just that it can open an empty topic.
        rows = session.range(10).selectExpr("CAST(id AS STRING) AS value")
        (
            rows.write.format("kafka")
            .option("kafka.bootstrap.servers", bootstrap)
            .option("topic", topic)
            .save()
        )
        count = (
            session.read.format("kafka")
            .option("kafka.bootstrap.servers", bootstrap)
            .option("subscribe", topic)
            .option("startingOffsets", "earliest")
            .load()
            .count()
        )
        if count < 10:
            raise RuntimeError(f"read {count} records from {topic}, expected at least 10")
        print(session.version, count)
    finally:
        session.stop()


PROBES = {"hbase-tables": hbase_tables, "spark": spark}


def main(argv):
    if len(argv) < 2 or argv[1] not in PROBES:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        PROBES[argv[1]](*argv[2:])
    except Exception as err:  # any failure just means "not ready yet" to the caller
        print(f"{argv[1]}: {type(err).__name__}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
