//! The module's logs.

use alloy_primitives::B256;
use stylus_sdk::prelude::*;

/// Emits a log: `topics` are the event's signature hash then its indexed fields, `data` its
/// other fields.
///
/// Every field of the module's events is a static type, one word each, so logs are written
/// from words: alloy's `SolEvent` encoding (and the SDK's `raw_log` around it) cost over a
/// kilobyte of the deployed size. The harness tests decode every event with alloy.
pub(crate) fn emit(host: &(impl Host + ?Sized), topics: &[B256], data: &[B256]) {
    // On the stack (the largest event has 7 words), not concatenated: no allocation, and no
    // growth code.
    let mut log = [[0u8; 32]; 8];
    for (slot, word) in log.iter_mut().zip(topics.iter().chain(data)) {
        *slot = word.0;
    }
    let length = (topics.len() + data.len()) * 32;
    host.emit_log(log.as_flattened().get(..length).unwrap_or_default(), topics.len());
}
