//! Table creation through HBase's thrift2 gateway: the one Thrift API that takes split keys.
//!
//! The thrift1 API that carries ecomflow's reads and writes (`hbase-thrift`) creates tables with
//! a single region only. HBase ships a second gateway, thrift2 (`THBaseService`), whose
//! `createTable` also takes split keys, so tables start with the regions `hbase/tables.toml`
//! declares. No maintained Rust crate speaks thrift2, and ecomflow needs one call of it, so this
//! module encodes that call with the `thrift` crate's protocol types, field ids as in HBase's
//! `thrift2/hbase.thrift`.

use std::net::{TcpStream, ToSocketAddrs};

use thrift::protocol::{
    TBinaryInputProtocol, TBinaryOutputProtocol, TFieldIdentifier, TInputProtocol, TListIdentifier,
    TMessageIdentifier, TMessageType, TOutputProtocol, TStructIdentifier, TType,
};
use thrift::transport::{TBufferedReadTransport, TBufferedWriteTransport};

use super::schema::FamilySpec;
use crate::config::HBaseConfig;

/// A connection to a thrift2 gateway.
pub struct Ddl {
    input: TBinaryInputProtocol<TBufferedReadTransport<TcpStream>>,
    output: TBinaryOutputProtocol<TBufferedWriteTransport<TcpStream>>,
    addr: String,
    seq: i32,
    /// How long a `createTable` may take to answer.
    wait: std::time::Duration,
}

impl Ddl {
    /// Connects to `hbase.thrift2_addr`; `None` when that is empty (no thrift2 gateway).
    ///
    /// # Errors
    /// Fails with the address when nothing listens there.
    pub fn connect(cfg: &HBaseConfig) -> anyhow::Result<Option<Ddl>> {
        let addr = cfg.thrift2_addr.trim();
        if addr.is_empty() {
            return Ok(None);
        }
        let sock = addr
            .to_socket_addrs()
            .map_err(|e| anyhow::anyhow!("cannot resolve HBase thrift2 address {addr}: {e}"))?
            .next()
            .ok_or_else(|| anyhow::anyhow!("HBase thrift2 address {addr} resolves to nothing"))?;
        let stream = TcpStream::connect_timeout(&sock, cfg.timeout).map_err(|e| {
            anyhow::anyhow!("cannot connect to the HBase thrift2 gateway at {addr}: {e}")
        })?;
        // Creating a pre-split table waits for every region to open.
        let wait = cfg.timeout * 6;
        stream.set_read_timeout(Some(wait))?;
        stream.set_write_timeout(Some(cfg.timeout))?;
        let read = stream.try_clone()?;
        Ok(Some(Ddl {
            input: TBinaryInputProtocol::new(TBufferedReadTransport::new(read), true),
            output: TBinaryOutputProtocol::new(TBufferedWriteTransport::new(stream), true),
            addr: addr.to_string(),
            seq: 0,
            wait,
        }))
    }

    /// Creates `table` with `families`, split before each of `split_keys`.
    ///
    /// # Errors
    /// Fails with HBase's message, e.g. `TableExistsException` or an unknown compression codec.
    pub fn create_table(
        &mut self,
        table: &str,
        families: &[FamilySpec],
        split_keys: &[String],
    ) -> anyhow::Result<()> {
        for f in families {
            if compression_code(&f.compression).is_none() {
                anyhow::bail!(
                    "family {} of {table}: unknown compression {:?} in hbase/tables.toml; \
                     accepted: NONE, GZ, SNAPPY, LZ4, ZSTD, LZO, BZIP2",
                    f.name,
                    f.compression
                );
            }
            if bloom_filter_code(&f.bloom_filter).is_none() {
                anyhow::bail!(
                    "family {} of {table}: unknown bloom_filter {:?} in hbase/tables.toml; \
                     accepted: NONE, ROW, ROWCOL",
                    f.name,
                    f.bloom_filter
                );
            }
        }
        self.seq += 1;
        let sent = write_create_table(&mut self.output, self.seq, table, families, split_keys);
        let result = sent.and_then(|()| read_void_reply(&mut self.input, "createTable"));
        match result {
            Ok(None) => Ok(()),
            Ok(Some(message)) => {
                anyhow::bail!("HBase thrift2 at {}: cannot create {table}: {message}", self.addr)
            }
            Err(e) if super::client::timed_out(&e) => anyhow::bail!(
                "HBase thrift2 at {}: cannot create {table}: no answer within {:?} (six times \
                 hbase.timeout); the gateway is up but not answering: check `scripts/stack logs \
                 thrift2`",
                self.addr,
                self.wait
            ),
            Err(e) => anyhow::bail!("HBase thrift2 at {}: cannot create {table}: {e}", self.addr),
        }
    }
}

fn field(o: &mut dyn TOutputProtocol, name: &str, ty: TType, id: i16) -> thrift::Result<()> {
    o.write_field_begin(&TFieldIdentifier::new(name, ty, id))
}

fn write_create_table(
    o: &mut dyn TOutputProtocol,
    seq: i32,
    table: &str,
    families: &[FamilySpec],
    split_keys: &[String],
) -> thrift::Result<()> {
    o.write_message_begin(&TMessageIdentifier::new("createTable", TMessageType::Call, seq))?;
    o.write_struct_begin(&TStructIdentifier::new("createTable_args"))?;

    // 1: TTableDescriptor desc
    field(o, "desc", TType::Struct, 1)?;
    o.write_struct_begin(&TStructIdentifier::new("TTableDescriptor"))?;
    // 1: TTableName tableName { 2: binary qualifier } (the default namespace)
    field(o, "tableName", TType::Struct, 1)?;
    o.write_struct_begin(&TStructIdentifier::new("TTableName"))?;
    field(o, "qualifier", TType::String, 2)?;
    o.write_bytes(table.as_bytes())?;
    o.write_field_end()?;
    o.write_field_stop()?;
    o.write_struct_end()?;
    o.write_field_end()?;
    // 2: list<TColumnFamilyDescriptor> columns
    field(o, "columns", TType::List, 2)?;
    o.write_list_begin(&TListIdentifier::new(TType::Struct, families.len() as i32))?;
    for f in families {
        write_family(o, f)?;
    }
    o.write_list_end()?;
    o.write_field_end()?;
    o.write_field_stop()?;
    o.write_struct_end()?;
    o.write_field_end()?;

    // 2: list<binary> splitKeys
    if !split_keys.is_empty() {
        field(o, "splitKeys", TType::List, 2)?;
        o.write_list_begin(&TListIdentifier::new(TType::String, split_keys.len() as i32))?;
        for key in split_keys {
            o.write_bytes(key.as_bytes())?;
        }
        o.write_list_end()?;
        o.write_field_end()?;
    }
    o.write_field_stop()?;
    o.write_struct_end()?;
    o.write_message_end()?;
    o.flush()
}

fn write_family(o: &mut dyn TOutputProtocol, f: &FamilySpec) -> thrift::Result<()> {
    o.write_struct_begin(&TStructIdentifier::new("TColumnFamilyDescriptor"))?;
    field(o, "name", TType::String, 1)?;
    o.write_bytes(f.name.as_bytes())?;
    o.write_field_end()?;
    field(o, "bloomnFilterType", TType::I32, 5)?;
    o.write_i32(bloom_filter_code(&f.bloom_filter).unwrap_or(1))?;
    o.write_field_end()?;
    field(o, "compressionType", TType::I32, 6)?;
    o.write_i32(compression_code(&f.compression).unwrap_or(2))?;
    o.write_field_end()?;
    field(o, "maxVersions", TType::I32, 10)?;
    o.write_i32(f.max_versions)?;
    o.write_field_end()?;
    if let Some(ttl) = f.ttl_seconds {
        field(o, "timeToLive", TType::I32, 13)?;
        o.write_i32(ttl)?;
        o.write_field_end()?;
    }
    field(o, "inMemory", TType::Bool, 20)?;
    o.write_bool(f.in_memory)?;
    o.write_field_end()?;
    o.write_field_stop()?;
    o.write_struct_end()
}

/// `TBloomFilterType` of a tables.toml name.
fn bloom_filter_code(name: &str) -> Option<i32> {
    Some(match name {
        "NONE" => 0,
        "ROW" => 1,
        "ROWCOL" => 2,
        _ => return None,
    })
}

/// `TCompressionAlgorithm` of a tables.toml name.
fn compression_code(name: &str) -> Option<i32> {
    Some(match name {
        "LZO" => 0,
        "GZ" => 1,
        "NONE" => 2,
        "SNAPPY" => 3,
        "LZ4" => 4,
        "BZIP2" => 5,
        "ZSTD" => 6,
        _ => return None,
    })
}

/// Reads the reply of a `void` call: `None` on success, `Some(message)` for the `TIOError` that
/// thrift2 methods declare.
fn read_void_reply(i: &mut dyn TInputProtocol, method: &str) -> thrift::Result<Option<String>> {
    let header = i.read_message_begin()?;
    if header.message_type == TMessageType::Exception {
        let e = thrift::Error::read_application_error_from_in_protocol(i)?;
        i.read_message_end()?;
        return Err(thrift::Error::Application(e));
    }
    if header.name != method {
        return Err(thrift::Error::from(format!(
            "expected a reply to {method}, got one to {}",
            header.name
        )));
    }
    let mut error = None;
    i.read_struct_begin()?;
    loop {
        let f = i.read_field_begin()?;
        if f.field_type == TType::Stop {
            break;
        }
        match (f.id, f.field_type) {
            (Some(1), TType::Struct) => error = Some(read_io_error(i)?),
            (_, ty) => i.skip(ty)?,
        }
        i.read_field_end()?;
    }
    i.read_struct_end()?;
    i.read_message_end()?;
    Ok(error)
}

/// `TIOError { 1: optional string message, 2: optional bool canRetry }`.
fn read_io_error(i: &mut dyn TInputProtocol) -> thrift::Result<String> {
    let mut message = String::from("(no message)");
    i.read_struct_begin()?;
    loop {
        let f = i.read_field_begin()?;
        if f.field_type == TType::Stop {
            break;
        }
        match (f.id, f.field_type) {
            (Some(1), TType::String) => message = i.read_string()?,
            (_, ty) => i.skip(ty)?,
        }
        i.read_field_end()?;
    }
    i.read_struct_end()?;
    // The gateway sends the whole Java exception text; its first line says what went wrong.
    Ok(message.lines().next().unwrap_or_default().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use thrift::transport::TBufferChannel;

    #[test]
    fn create_table_call_carries_name_families_and_split_keys() {
        let mut chan = TBufferChannel::with_capacity(0, 4096);
        let mut o = TBinaryOutputProtocol::new(&mut chan, true);
        let fam = FamilySpec::simple("d", 1);
        let splits = vec!["2".to_string(), "4".to_string()];
        write_create_table(&mut o, 7, "orders", &[fam], &splits).unwrap();
        let bytes = chan.write_bytes();

        // Read it back with the generic protocol reader, as the gateway would.
        let mut read = TBufferChannel::with_capacity(bytes.len(), 0);
        read.set_readable_bytes(&bytes);
        let mut i = TBinaryInputProtocol::new(read, true);
        let header = i.read_message_begin().unwrap();
        assert_eq!((header.name.as_str(), header.sequence_number), ("createTable", 7));
        i.read_struct_begin().unwrap();
        let desc = i.read_field_begin().unwrap();
        assert_eq!((desc.id, desc.field_type), (Some(1), TType::Struct));
        i.skip(TType::Struct).unwrap();
        i.read_field_end().unwrap();
        let keys = i.read_field_begin().unwrap();
        assert_eq!((keys.id, keys.field_type), (Some(2), TType::List));
        let list = i.read_list_begin().unwrap();
        assert_eq!(list.size, 2);
        assert_eq!(i.read_bytes().unwrap(), b"2");
        assert_eq!(i.read_bytes().unwrap(), b"4");
    }

    #[test]
    fn codec_names_map_to_thrift2_codes() {
        assert_eq!(compression_code("NONE"), Some(2));
        assert_eq!(compression_code("ZSTD"), Some(6));
        assert_eq!(compression_code("zip"), None);
        assert_eq!(bloom_filter_code("ROWCOL"), Some(2));
        assert_eq!(bloom_filter_code("NONE"), Some(0));
    }
}
