//! The `finding` target's structure-aware input: a seed event (events/ and, when present,
//! ../shared/events-corpus/, embedded at build time), then one to eight field-level
//! mutations, each chosen by the fuzzer's bytes (`arbitrary`): which node (a JSON path),
//! and what becomes of it (a number, a string, a timestamp-like string, a huge or negative
//! number, a nested object, null, an array, another node's value, a key added or removed,
//! a field of a JSON document inside a string, such as an SQS message body).
//!
//! Its `Debug` is the mutated event itself, so `cargo fuzz fmt --sanitizer none
//! --debug-assertions finding FILE` prints it (run.sh's build flags: no rebuild); and
//! with `FUZZ_FINDING_DUMP=PATH` set the target writes it to PATH before running it, which is
//! how a crash becomes a replayable regression file (`fuzz/regressions/finding/*.json`).

use std::sync::OnceLock;

use arbitrary::{Arbitrary, Result, Unstructured};
use serde_json::{Map, Value};

include!(concat!(env!("OUT_DIR"), "/seeds.rs"));

/// The seeds that are JSON (the corpus also keeps payloads published invalid), the object
/// keys and the string values they hold: the mutations' dictionary.
struct Seeds {
    events: Vec<(&'static str, Value)>,
    keys: Vec<String>,
    strings: Vec<String>,
}

fn collect(value: &Value, keys: &mut Vec<String>, strings: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                keys.push(key.clone());
                collect(member, keys, strings);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect(item, keys, strings)),
        Value::String(text) => strings.push(text.clone()),
        _ => {}
    }
}

fn seeds() -> &'static Seeds {
    static SEEDS_PARSED: OnceLock<Seeds> = OnceLock::new();
    SEEDS_PARSED.get_or_init(|| {
        let mut events = Vec::new();
        let (mut keys, mut strings) = (Vec::new(), Vec::new());
        for (name, bytes) in SEEDS {
            if let Ok(value) = serde_json::from_slice::<Value>(bytes) {
                collect(&value, &mut keys, &mut strings);
                events.push((*name, value));
            }
        }
        keys.sort();
        keys.dedup();
        strings.sort();
        strings.dedup();
        Seeds { events, keys, strings }
    })
}

/// How many seeds were embedded (all files) and how many are JSON.
pub fn seed_counts() -> (usize, usize) {
    (SEEDS.len(), seeds().events.len())
}

/// One step of a JSON path.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Key {
    Field(String),
    Index(usize),
}

fn paths(value: &Value, prefix: &mut Vec<Key>, found: &mut Vec<Vec<Key>>) {
    found.push(prefix.clone());
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                prefix.push(Key::Field(key.clone()));
                paths(member, prefix, found);
                prefix.pop();
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                prefix.push(Key::Index(index));
                paths(item, prefix, found);
                prefix.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'v>(value: &'v mut Value, path: &[Key]) -> Option<&'v mut Value> {
    let Some((first, rest)) = path.split_first() else {
        return Some(value);
    };
    let next = match (first, value) {
        (Key::Field(key), Value::Object(members)) => members.get_mut(key)?,
        (Key::Index(index), Value::Array(items)) => items.get_mut(*index)?,
        _ => return None,
    };
    at_mut(next, rest)
}

fn pointer(path: &[Key]) -> String {
    path.iter()
        .map(|key| match key {
            Key::Field(name) => format!("/{name}"),
            Key::Index(index) => format!("/{index}"),
        })
        .collect()
}

const INTEGERS: &[i64] = &[
    0,
    1,
    -1,
    6,
    7,
    8,
    10,
    11,
    12,
    100,
    1_000_000_000_000,
    111_111_111_111,
    123_456_789_012,
    9_007_199_254_740_993,
    i64::MAX,
    i64::MIN,
    i32::MAX as i64,
    i32::MIN as i64,
];

const FLOATS: &[f64] = &[
    7.0,
    6.999_999_999,
    7.000_000_1,
    10.000_001,
    -0.0,
    0.5,
    1e308,
    -1e308,
    f64::MAX,
    f64::MIN,
    f64::MIN_POSITIVE,
    1e-300,
    4.5e15,
];

const STRINGS: &[&str] = &[
    "",
    " ",
    "null",
    "true",
    "8",
    "8.5",
    "-1",
    "1e400",
    "NaN",
    "inf",
    "0x10",
    "123456789012",
    "12345678901",
    "1234567890123",
    "12345678901a",
    "IAMUser",
    "AssumedRole",
    "Role",
    "Root",
    "FederatedUser",
    "AWSService",
    "SUCCEEDED",
    "FAILED",
    "ACTIVE",
    "aws:sqs",
    "Create",
    "Update",
    "Delete",
    "graph",
    "organization",
    "us-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "aws-cn",
    "aws-us-gov",
    "detective.amazonaws.com",
    "arn:aws:iam::123456789012:role/a/b/c",
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:sts::123456789012:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/alice",
    "arn:aws:detective:us-east-1:111111111111:graph:a1b2c3d4e5f60718293a4b5c6d7e8f90",
    "arn:aws:detective:us-east-1:111111111111:graph:A1B2",
    "arn:aws:cloudformation:us-east-1:111111111111:stack/s/1",
    "arn:::::::",
    "AWSReservedSSO_",
    "AWSServiceRoleForAutoScaling_custom",
    "\u{0}",
    "\u{FEFF}",
    "é\u{301}",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    "%00%ZZ",
    "a,b,,c",
    "k=v,k2=v2",
    "aws:k=v",
    "EKS_AUDIT,ASFF_SECURITYHUB_FINDING,DETECTIVE_CORE",
    "{\"version\":1}",
    "[]",
];

fn two(u: &mut Unstructured<'_>, range: std::ops::RangeInclusive<u32>) -> Result<String> {
    Ok(format!("{:02}", u.int_in_range(range)?))
}

/// A string that looks like a time, often one that is nearly right.
fn timestamp(u: &mut Unstructured<'_>) -> Result<String> {
    const YEARS: &[i64] = &[
        2026,
        2025,
        2027,
        1970,
        1969,
        0,
        1,
        9999,
        10_000,
        -1,
        262_142,
        262_143,
        262_144,
        -262_143,
        -262_144,
        -262_145,
        i32::MAX as i64,
        i32::MIN as i64,
    ];
    match u.int_in_range(0..=5u8)? {
        // Near "now" (the harness's), by whole seconds either way.
        0 => {
            let offset: i32 = u.arbitrary()?;
            let base = chrono::DateTime::parse_from_rfc3339(crate::harness::NOW)
                .map(|time| time.with_timezone(&chrono::Utc))
                .unwrap_or_default();
            let time = base
                .checked_add_signed(chrono::TimeDelta::seconds(i64::from(offset)))
                .unwrap_or(base);
            let format = *u.choose(&["%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S%.3fZ", "%Y-%m-%d %H:%M:%S"])?;
            Ok(time.format(format).to_string())
        }
        // Epoch seconds or milliseconds, as a string.
        1 => Ok(u.arbitrary::<i64>()?.to_string()),
        // Every field in or just out of its range, any year, any zone.
        _ => {
            let year = if u.arbitrary()? {
                *u.choose(YEARS)?
            } else {
                i64::from(u.arbitrary::<i32>()?)
            };
            let year = if year > 9999 {
                format!("+{year}")
            } else if year < 0 {
                format!("-{:04}", year.unsigned_abs())
            } else {
                format!("{year:04}")
            };
            let separator = *u.choose(&["T", " ", "t", "_"])?;
            let fraction = *u.choose(&["", ".0", ".123", ".123456789", ".1234567891234567", "."])?;
            let zone = *u.choose(&[
                "Z", "", "+00:00", "-00:00", "+23:59", "-23:59", "+24:00", "+99:99", "z", "+0530",
            ])?;
            Ok(format!(
                "{year}-{}-{}{separator}{}:{}:{}{fraction}{zone}",
                two(u, 0..=13)?,
                two(u, 0..=32)?,
                two(u, 0..=25)?,
                two(u, 0..=61)?,
                two(u, 0..=61)?
            ))
        }
    }
}

fn string(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=6u8)? {
        0 => (*u.choose(STRINGS)?).to_owned(),
        1 => u.choose(&seeds().strings)?.clone(),
        2 => timestamp(u)?,
        3 => {
            let mut text: String = u.arbitrary()?;
            text.truncate(512);
            text
        }
        // Twelve characters, mostly digits: account ids and their near misses.
        4 => {
            let length = u.int_in_range(0..=14usize)?;
            (0..length)
                .map(|_| Ok(char::from(*u.choose(b"0123456789012345678901234567890123456789a -")?)))
                .collect::<Result<String>>()?
        }
        // Long.
        5 => {
            let unit = (*u.choose(&["A", "9", "é", "/", "a,"])?).to_owned();
            unit.repeat(u.int_in_range(64..=70_000usize)?)
        }
        _ => {
            let base = u.choose(&seeds().strings)?.clone();
            let cut = u.int_in_range(0..=base.len())?;
            let mut text: String = base.chars().take(cut).collect();
            text.push_str(&u.arbitrary::<String>()?);
            text
        }
    })
}

fn number(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.int_in_range(0..=5u8)? {
        0 => Value::from(*u.choose(INTEGERS)?),
        1 => Value::from(u64::MAX - u64::from(u.arbitrary::<u8>()?)),
        2 => Value::from(u.arbitrary::<i64>()?),
        3 => serde_json::Number::from_f64(*u.choose(FLOATS)?).map_or(Value::Null, Value::Number),
        4 => serde_json::Number::from_f64(u.arbitrary::<f64>()?).map_or(Value::from(0), Value::Number),
        _ => Value::from(f64::from(u.int_in_range(0..=110u8)?) / 10.0),
    })
}

/// Any value, nested at most `depth` deep.
fn value(u: &mut Unstructured<'_>, depth: u8) -> Result<Value> {
    let kinds = if depth == 0 { 5 } else { 9 };
    Ok(match u.int_in_range(0..=kinds)? {
        0 => Value::Null,
        1 => Value::Bool(u.arbitrary()?),
        2 => number(u)?,
        3 | 4 => Value::String(string(u)?),
        5 => Value::String(timestamp(u)?),
        6 => {
            let mut members = Map::new();
            for _ in 0..u.int_in_range(0..=3u8)? {
                let key = if u.arbitrary()? {
                    u.choose(&seeds().keys)?.clone()
                } else {
                    string(u)?
                };
                members.insert(key, value(u, depth - 1)?);
            }
            Value::Object(members)
        }
        7 => {
            let mut items = Vec::new();
            for _ in 0..u.int_in_range(0..=3u8)? {
                items.push(value(u, depth - 1)?);
            }
            Value::Array(items)
        }
        // Nested deeper than serde_json reads (128), or nearly.
        8 => {
            let levels = u.int_in_range(100..=200usize)?;
            let mut nested = Value::Null;
            for level in 0..levels {
                nested = if level % 2 == 0 {
                    Value::Array(vec![nested])
                } else {
                    let mut members = Map::new();
                    members.insert("a".to_owned(), nested);
                    Value::Object(members)
                };
            }
            nested
        }
        _ => {
            let count = u.int_in_range(0..=2000usize)?;
            Value::Array(vec![Value::String("123456789012".to_owned()); count])
        }
    })
}

/// One mutation of `event`, said in `log`.
fn mutate(event: &mut Value, u: &mut Unstructured<'_>, log: &mut Vec<String>) -> Result<()> {
    let mut all = Vec::new();
    paths(event, &mut Vec::new(), &mut all);
    let path = u.choose(&all)?.clone();
    let donor = u.choose(&all)?.clone();
    let donated = at_mut(event, &donor).map(|node| node.clone());
    let Some(node) = at_mut(event, &path) else {
        return Ok(());
    };
    let at = pointer(&path);
    match u.int_in_range(0..=9u8)? {
        0..=3 => {
            let new = value(u, 3)?;
            log.push(format!("{at} = {}", short(&new)));
            *node = new;
        }
        4 => {
            let new = Value::String(timestamp(u)?);
            log.push(format!("{at} = {new}"));
            *node = new;
        }
        5 => {
            let new = number(u)?;
            log.push(format!("{at} = {new}"));
            *node = new;
        }
        6 => match node {
            Value::Object(members) if !members.is_empty() => {
                let keys: Vec<String> = members.keys().cloned().collect();
                let key = u.choose(&keys)?.clone();
                members.remove(&key);
                log.push(format!("{at}/{key} removed"));
            }
            Value::Array(items) if !items.is_empty() => {
                let index = u.choose_index(items.len())?;
                items.remove(index);
                log.push(format!("{at}/{index} removed"));
            }
            _ => {
                log.push(format!("{at} = null"));
                *node = Value::Null;
            }
        },
        7 => match node {
            Value::Object(members) => {
                let key = u.choose(&seeds().keys)?.clone();
                let new = value(u, 2)?;
                log.push(format!("{at}/{key} added: {}", short(&new)));
                members.insert(key, new);
            }
            Value::Array(items) => {
                let new = value(u, 2)?;
                log.push(format!("{at}/- added: {}", short(&new)));
                items.push(new);
            }
            _ => {
                let new = Value::Array(vec![node.clone()]);
                log.push(format!("{at} wrapped in a list"));
                *node = new;
            }
        },
        // Another node's value here (the seed's own shapes in the wrong place).
        8 => {
            // Never an ancestor into its own subtree: the event would double each time.
            if let Some(donated) = donated.filter(|_| !path.starts_with(&donor)) {
                log.push(format!("{at} = the value at {}", pointer(&donor)));
                *node = donated;
            }
        }
        // A JSON document inside a string (an SQS message body): one field of it mutated.
        _ => {
            let inner = node.as_str().and_then(|text| serde_json::from_str::<Value>(text).ok());
            match inner {
                Some(mut inner) => {
                    let mut inner_log = Vec::new();
                    mutate(&mut inner, u, &mut inner_log)?;
                    log.push(format!("{at} (JSON inside): {}", inner_log.join(", ")));
                    *node = Value::String(inner.to_string());
                }
                None => {
                    let new = Value::String(string(u)?);
                    log.push(format!("{at} = {}", short(&new)));
                    *node = new;
                }
            }
        }
    }
    Ok(())
}

fn short(value: &Value) -> String {
    let text = value.to_string();
    if text.len() > 120 {
        let cut: String = text.chars().take(100).collect();
        format!("{cut}… ({} bytes)", text.len())
    } else {
        text
    }
}

/// A seed event with its mutations applied: `bytes` is what the harness replays.
pub struct MutatedEvent {
    pub seed: &'static str,
    pub mutations: Vec<String>,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for MutatedEvent {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(formatter, "seed: {}", self.seed)?;
        for mutation in &self.mutations {
            writeln!(formatter, "mutation: {mutation}")?;
        }
        write!(formatter, "{}", String::from_utf8_lossy(&self.bytes))
    }
}

impl<'a> Arbitrary<'a> for MutatedEvent {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let events = &seeds().events;
        let (seed, original) = u.choose(events)?;
        let mut event = original.clone();
        let mut mutations = Vec::new();
        for _ in 0..u.int_in_range(1..=8u8)? {
            if u.is_empty() {
                break;
            }
            mutate(&mut event, u, &mut mutations)?;
        }
        Ok(Self {
            seed,
            mutations,
            bytes: serde_json::to_vec(&event).unwrap_or_default(),
        })
    }
}
