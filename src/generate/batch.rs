//! Serialised records of one chunk, ready for a file or a Kafka producer.
//!
//! A [`Batch`] holds one topic's records of one chunk as a single byte buffer (what goes into the
//! file, header included) plus the offsets of each record and of its key. Encoding writes every
//! record straight into that buffer, so a chunk costs a handful of allocations however many
//! records it has, and buffers are reused from chunk to chunk.

use std::io::Write as _;
use std::ops::Index;

use serde::Serialize;

use super::model::Topic;

/// Output encoding.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Format {
    /// One JSON object per line (the Kafka value format).
    #[default]
    Jsonl,
    /// Comma-separated values with a header row; fields quoted when they hold commas, quotes or
    /// line breaks.
    Csv,
}

impl Format {
    /// File name extension, without the dot.
    pub fn extension(&self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
        }
    }
}

/// One topic's records of one chunk, serialised.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    bytes: Vec<u8>,
    header_len: usize,
    /// End offset in `bytes` of each record, after its line terminator.
    ends: Vec<usize>,
    keys: Vec<u8>,
    key_ends: Vec<usize>,
}

/// One serialised record: its Kafka key (the entity id as text) and value (without the line
/// terminator).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record<'a> {
    /// The entity id, e.g. `12345` or `ASN-678`.
    pub key: &'a [u8],
    /// The encoded record.
    pub value: &'a [u8],
}

impl Batch {
    /// Number of records.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when the batch has no records.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The bytes to append to the topic's file: the CSV header (first chunk only), then every
    /// record with its line terminator.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The CSV header line, empty for JSON Lines and for every chunk but the first.
    pub fn header(&self) -> &[u8] {
        &self.bytes[..self.header_len]
    }

    /// The records in order.
    pub fn records(&self) -> impl ExactSizeIterator<Item = Record<'_>> + '_ {
        (0..self.ends.len()).map(move |i| {
            let start = if i == 0 { self.header_len } else { self.ends[i - 1] };
            let key_start = if i == 0 { 0 } else { self.key_ends[i - 1] };
            Record {
                key: &self.keys[key_start..self.key_ends[i]],
                // Every record ends in exactly one '\n', written by the encoder.
                value: &self.bytes[start..self.ends[i] - 1],
            }
        })
    }

    fn clear(&mut self) {
        self.bytes.clear();
        self.header_len = 0;
        self.ends.clear();
        self.keys.clear();
        self.key_ends.clear();
    }

    /// Appends `records`, with a CSV header first when `header` is set.
    pub(crate) fn encode<T: Serialize>(
        &mut self,
        format: Format,
        header: bool,
        records: &[T],
        key: impl Fn(&T, &mut Vec<u8>),
    ) {
        self.clear();
        for r in records {
            key(r, &mut self.keys);
            self.key_ends.push(self.keys.len());
        }
        match format {
            Format::Jsonl => {
                for r in records {
                    // Writing to a Vec cannot fail, and our types always serialise.
                    serde_json::to_writer(&mut self.bytes, r).expect("records serialise to JSON");
                    self.bytes.push(b'\n');
                    self.ends.push(self.bytes.len());
                }
            }
            Format::Csv => self.encode_csv(header, records),
        }
    }

    fn encode_csv<T: Serialize>(&mut self, header: bool, records: &[T]) {
        let mut writer = csv::WriterBuilder::new()
            .has_headers(header)
            .from_writer(std::mem::take(&mut self.bytes));
        for (i, r) in records.iter().enumerate() {
            // The csv writer buffers; flushing after each record makes the Vec's length the
            // record's end offset. Both calls write to memory and cannot fail for our types.
            writer.serialize(r).expect("records serialise to CSV");
            writer.flush().expect("writing to memory");
            let end = writer.get_ref().len();
            if i == 0 && header {
                // The first call wrote header + record; the record alone gives the header size.
                let mut alone = csv::WriterBuilder::new().has_headers(false).from_writer(vec![]);
                alone.serialize(r).expect("records serialise to CSV");
                let record_len = alone.into_inner().expect("writing to memory").len();
                self.header_len = end - record_len;
            }
            self.ends.push(end);
        }
        self.bytes = writer.into_inner().expect("writing to memory");
    }
}

/// Writes an integer key.
pub(crate) fn int_key(id: u64, out: &mut Vec<u8>) {
    // Writing to a Vec cannot fail.
    let _ = write!(out, "{id}");
}

/// Writes a key through its `Display` form.
pub(crate) fn text_key(id: &impl std::fmt::Display, out: &mut Vec<u8>) {
    let _ = write!(out, "{id}");
}

/// One chunk's batches, one per topic.
#[derive(Clone, Debug, Default)]
pub struct TopicBatches {
    batches: [Batch; 4],
}

impl TopicBatches {
    /// The batch of `topic`.
    pub fn get(&self, topic: Topic) -> &Batch {
        &self.batches[topic.index()]
    }

    pub(crate) fn get_mut(&mut self, topic: Topic) -> &mut Batch {
        &mut self.batches[topic.index()]
    }

    /// Every topic with its batch, in [`Topic::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Topic, &Batch)> {
        Topic::ALL.into_iter().zip(&self.batches)
    }

    /// Bytes over the four batches, headers included.
    pub fn total_bytes(&self) -> usize {
        self.batches.iter().map(|b| b.bytes.len()).sum()
    }

    /// Records over the four batches.
    pub fn total_records(&self) -> usize {
        self.batches.iter().map(Batch::len).sum()
    }
}

impl Index<Topic> for TopicBatches {
    type Output = Batch;

    fn index(&self, topic: Topic) -> &Batch {
        self.get(topic)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        id: u64,
        note: &'static str,
    }

    const ROWS: [Row; 3] = [
        Row { id: 1, note: "plain" },
        Row { id: 2, note: "a, \"quoted\"\nline" },
        Row { id: 3, note: "" },
    ];

    #[test]
    fn jsonl_records_split_on_newlines() {
        let mut batch = Batch::default();
        batch.encode(Format::Jsonl, true, &ROWS, |r, k| int_key(r.id, k));
        assert_eq!(batch.len(), 3);
        assert!(batch.header().is_empty());
        let records: Vec<_> = batch.records().collect();
        assert_eq!(records[1].key, b"2");
        assert_eq!(records[1].value, br#"{"id":2,"note":"a, \"quoted\"\nline"}"#);
        assert_eq!(batch.bytes().iter().filter(|b| **b == b'\n').count(), 3);
    }

    #[test]
    fn csv_header_and_quoting() {
        let mut batch = Batch::default();
        batch.encode(Format::Csv, true, &ROWS, |r, k| int_key(r.id, k));
        assert_eq!(batch.header(), b"id,note\n");
        let values: Vec<_> = batch.records().map(|r| r.value.to_vec()).collect();
        assert_eq!(values[0], b"1,plain");
        assert_eq!(values[1], b"2,\"a, \"\"quoted\"\"\nline\"");
        assert_eq!(values[2], b"3,");

        batch.encode(Format::Csv, false, &ROWS, |r, k| int_key(r.id, k));
        assert!(batch.header().is_empty());
        assert!(batch.bytes().starts_with(b"1,plain\n"));
    }

    #[test]
    fn reuse_clears_previous_records() {
        let mut batch = Batch::default();
        batch.encode(Format::Jsonl, false, &ROWS, |r, k| int_key(r.id, k));
        batch.encode(Format::Jsonl, false, &ROWS[..1], |r, k| int_key(r.id, k));
        assert_eq!(batch.len(), 1);
        assert_eq!(batch.records().next().unwrap().key, b"1");
    }
}
