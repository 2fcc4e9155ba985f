//! A blocking HBase Thrift client with timeouts and errors that name the gateway.
//!
//! The Thrift client is synchronous: async callers run it on a blocking thread, never on a
//! runtime worker.

use std::net::{TcpStream, ToSocketAddrs};

use hbase_thrift::hbase::{
    BatchMutation, ColumnDescriptor, HbaseSyncClient, Mutation, THbaseSyncClient, TRowResult,
};
use thrift::protocol::{TBinaryInputProtocol, TBinaryOutputProtocol};
use thrift::transport::{
    ReadHalf, TBufferedReadTransport, TBufferedWriteTransport, TIoChannel, TTcpChannel, WriteHalf,
};

use crate::config::HBaseConfig;

type Client = HbaseSyncClient<
    TBinaryInputProtocol<TBufferedReadTransport<ReadHalf<TTcpChannel>>>,
    TBinaryOutputProtocol<TBufferedWriteTransport<WriteHalf<TTcpChannel>>>,
>;

/// One connection to the Thrift gateway.
pub struct HBase {
    client: Client,
    addr: String,
    cfg: HBaseConfig,
}

/// One cell to write: column family, qualifier, value.
pub type Cell = (String, String, Vec<u8>);

impl HBase {
    /// Opens a connection; the timeout bounds the connect and every later read and write.
    ///
    /// # Errors
    /// Fails with the address when nothing listens there or it does not resolve.
    pub fn connect(cfg: &HBaseConfig) -> anyhow::Result<HBase> {
        let addr = cfg.thrift_addr.clone();
        let sock = addr
            .to_socket_addrs()
            .map_err(|e| anyhow::anyhow!("cannot resolve HBase Thrift address {addr}: {e}"))?
            .next()
            .ok_or_else(|| anyhow::anyhow!("HBase Thrift address {addr} resolves to nothing"))?;
        let stream = TcpStream::connect_timeout(&sock, cfg.timeout).map_err(|e| {
            anyhow::anyhow!(
                "cannot connect to the HBase Thrift server at {addr}: {e}; is it running? \
                 (`scripts/stack up`, or set hbase.thrift_addr)"
            )
        })?;
        stream.set_read_timeout(Some(cfg.timeout))?;
        stream.set_write_timeout(Some(cfg.timeout))?;
        stream.set_nodelay(true)?;
        let (i_chan, o_chan) = TTcpChannel::with_stream(stream).split()?;
        let client = HbaseSyncClient::new(
            TBinaryInputProtocol::new(TBufferedReadTransport::new(i_chan), true),
            TBinaryOutputProtocol::new(TBufferedWriteTransport::new(o_chan), true),
        );
        Ok(HBase { client, addr, cfg: cfg.clone() })
    }

    /// Makes one Thrift call; after a transport error, reconnects and makes it once more.
    ///
    /// The gateway closes connections that stay idle for 60 s
    /// (`hbase.thrift.server.socket.read.timeout`), which a client holding a connection across
    /// a long Spark job meets on its next call. Every call ecomflow makes can be repeated: puts
    /// rewrite the same cells, and the rest read or create what may already exist.
    fn call<T>(
        &mut self,
        what: &str,
        f: impl Fn(&mut Client) -> thrift::Result<T>,
    ) -> anyhow::Result<T> {
        match f(&mut self.client) {
            // A gateway that took the whole timeout to say nothing will not answer faster on
            // a new connection; trying again would only double the wait.
            Err(e) if timed_out(&e) => Err(self.err(what, e)),
            Err(thrift::Error::Transport(e)) => {
                tracing::debug!(addr = %self.addr, error = %e, "Thrift connection lost; reconnecting");
                self.client = HBase::connect(&self.cfg)?.client;
                f(&mut self.client).map_err(|e| self.err(what, e))
            }
            other => other.map_err(|e| self.err(what, e)),
        }
    }

    /// The gateway address this client talks to.
    pub fn addr(&self) -> &str {
        &self.addr
    }

    /// Names of all user tables.
    pub fn table_names(&mut self) -> anyhow::Result<Vec<String>> {
        let names = self.call("list tables", |c| c.get_table_names())?;
        Ok(names.into_iter().map(|n| String::from_utf8_lossy(&n).into_owned()).collect())
    }

    /// Fails with a usage error naming the first of `tables` that HBase does not have.
    ///
    /// Reading or writing a missing table fails deep inside HBase with a long Java trace (and,
    /// for writes, is retried for ever); this says what is missing, and what to run, before.
    pub fn require_tables<'t>(
        &mut self,
        tables: impl IntoIterator<Item = &'t String>,
    ) -> anyhow::Result<()> {
        let existing = self.table_names()?;
        match tables.into_iter().find(|t| !existing.contains(t)) {
            Some(table) => Err(crate::error::usage(format!(
                "HBase has no table {table}; run `ecomflow hbase init` (with the same \
                 hbase.table_prefix) first"
            ))),
            None => Ok(()),
        }
    }

    /// The cluster id HBase keeps in ZooKeeper; proves the gateway reaches the master.
    pub fn cluster_id(&mut self) -> anyhow::Result<String> {
        self.call("read the cluster id", |c| c.get_cluster_id())
    }

    /// Creates `table` with the given column families unless it exists already.
    pub fn ensure_table(
        &mut self,
        table: &str,
        families: &[ColumnDescriptor],
    ) -> anyhow::Result<bool> {
        if self.table_names()?.iter().any(|t| t == table) {
            return Ok(false);
        }
        match self.client.create_table(table.into(), families.to_vec()) {
            Ok(()) => Ok(true),
            // Another writer created it between our listing and our create: that is fine.
            Err(thrift::Error::User(e)) if e.to_string().contains("AlreadyExists") => Ok(false),
            Err(e) => Err(self.err(&format!("create table {table}"), e)),
        }
    }

    /// How many regions `table` has.
    pub fn region_count(&mut self, table: &str) -> anyhow::Result<usize> {
        let regions = self
            .call(&format!("list the regions of {table}"), |c| c.get_table_regions(table.into()))?;
        Ok(regions.len())
    }

    /// Disables and deletes `table`; a missing table is not an error.
    pub fn drop_table(&mut self, table: &str) -> anyhow::Result<()> {
        if !self.table_names()?.iter().any(|t| t == table) {
            return Ok(());
        }
        let name = table.as_bytes().to_vec();
        self.client.disable_table(name.clone()).map_err(|e| self.err("disable table", e))?;
        self.client.delete_table(name).map_err(|e| self.err("delete table", e))
    }

    /// Writes several rows in one round trip (`mutateRows`).
    pub fn put_rows(&mut self, table: &str, rows: Vec<(Vec<u8>, Vec<Cell>)>) -> anyhow::Result<()> {
        let batches: Vec<BatchMutation> = rows
            .into_iter()
            .map(|(row, cells)| BatchMutation {
                row: Some(row),
                mutations: Some(
                    cells
                        .into_iter()
                        .map(|(family, qualifier, value)| Mutation {
                            is_delete: Some(false),
                            column: Some(format!("{family}:{qualifier}").into_bytes()),
                            value: Some(value),
                            write_to_w_a_l: Some(true),
                        })
                        .collect(),
                ),
            })
            .collect();
        self.call(&format!("write rows to {table}"), |c| {
            c.mutate_rows(table.into(), batches.clone(), Default::default())
        })
    }

    /// Reads one row; `None` when it does not exist.
    pub fn get_row(&mut self, table: &str, row: &[u8]) -> anyhow::Result<Option<TRowResult>> {
        let mut rows = self.call(&format!("read a row of {table}"), |c| {
            c.get_row(table.into(), row.to_vec(), Default::default())
        })?;
        Ok(rows.pop())
    }

    /// Reads the rows with these keys in one round trip (`getRows`); missing rows are left out.
    pub fn get_rows(&mut self, table: &str, rows: &[Vec<u8>]) -> anyhow::Result<Vec<TRowResult>> {
        self.call(&format!("read rows of {table}"), |c| {
            c.get_rows(table.into(), rows.to_vec(), Default::default())
        })
    }

    /// Scans `[start, stop)` (an empty `stop` means to the end), `batch` rows per round trip,
    /// calling `each` for every row.
    pub fn scan(
        &mut self,
        table: &str,
        start: &[u8],
        stop: &[u8],
        batch: i32,
        mut each: impl FnMut(TRowResult),
    ) -> anyhow::Result<u64> {
        self.scan_while(table, start, stop, batch, |row| {
            each(row);
            true
        })
    }

    /// Like [`HBase::scan`], but stops after the first row for which `each` returns false.
    pub fn scan_while(
        &mut self,
        table: &str,
        start: &[u8],
        stop: &[u8],
        batch: i32,
        mut each: impl FnMut(TRowResult) -> bool,
    ) -> anyhow::Result<u64> {
        let id = self.call(&format!("open a scanner on {table}"), |c| {
            c.scanner_open_with_stop(
                table.into(),
                start.to_vec(),
                stop.to_vec(),
                vec![],
                Default::default(),
            )
        })?;
        let mut n = 0u64;
        'pages: loop {
            let rows = match self.client.scanner_get_list(id, batch) {
                Ok(rows) => rows,
                Err(e) => {
                    let _ = self.client.scanner_close(id);
                    return Err(self.err(&format!("scan {table}"), e));
                }
            };
            if rows.is_empty() {
                break;
            }
            for row in rows {
                n += 1;
                if !each(row) {
                    break 'pages;
                }
            }
        }
        // An open scanner holds a lease on the region server until it expires.
        self.client.scanner_close(id).map_err(|e| self.err("close a scanner", e))?;
        Ok(n)
    }

    fn err(&self, what: &str, e: thrift::Error) -> anyhow::Error {
        if timed_out(&e) {
            return anyhow::anyhow!(
                "HBase Thrift at {}: cannot {what}: no answer within {:?} (hbase.timeout); the \
                 gateway is up but not answering: check `scripts/stack logs thrift`",
                self.addr,
                self.cfg.timeout
            );
        }
        anyhow::anyhow!("HBase Thrift at {}: cannot {what}: {}", self.addr, describe(&e))
    }
}

/// Whether a call failed because the socket's read or write timeout ran out. A read timeout
/// shows as `WouldBlock` on Linux, which the thrift crate files as an unknown transport error.
pub(crate) fn timed_out(e: &thrift::Error) -> bool {
    match e {
        thrift::Error::Transport(t) => {
            t.kind == thrift::TransportErrorKind::TimedOut
                || t.message.contains("temporarily unavailable")
                || t.message.contains("timed out")
        }
        _ => false,
    }
}

/// HBase reports its IOError and IllegalArgument as user exceptions; show their message.
///
/// The gateway puts the server's Java stack trace in the message after its first line; that
/// line says what happened, and the trace stays in the gateway's log.
fn describe(e: &thrift::Error) -> String {
    let first_line = |m: &Option<String>| {
        m.as_deref().unwrap_or_default().lines().next().unwrap_or_default().trim().to_string()
    };
    match e {
        thrift::Error::User(inner) => {
            if let Some(io) = inner.downcast_ref::<hbase_thrift::hbase::IOError>() {
                return format!("IOError: {}", first_line(&io.message));
            }
            if let Some(arg) = inner.downcast_ref::<hbase_thrift::hbase::IllegalArgument>() {
                return format!("IllegalArgument: {}", first_line(&arg.message));
            }
            if let Some(exists) = inner.downcast_ref::<hbase_thrift::hbase::AlreadyExists>() {
                return format!("AlreadyExists: {}", first_line(&exists.message));
            }
            inner.to_string()
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_errors_keep_their_first_line_only() {
        let trace = "org.apache.hadoop.hbase.TableNotFoundException: t1\n\tat a.B.c(B.java:1)\n";
        let io = hbase_thrift::hbase::IOError::new(trace.to_string(), false);
        let e = thrift::Error::User(Box::new(io));
        assert_eq!(describe(&e), "IOError: org.apache.hadoop.hbase.TableNotFoundException: t1");
    }
}
