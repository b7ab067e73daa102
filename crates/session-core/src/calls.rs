//! Strict decoding of the account call a session makes: ERC-7579
//! `execute(bytes32 mode, bytes executionCalldata)`.
//!
//! Only the canonical ABI encoding is accepted (every offset where the encoder puts it, every
//! length exact, padding zero, no trailing bytes). A canonical encoding has exactly one reading,
//! so the calls checked here are the calls the account's own (lenient) decoder will execute.
//!
//! A call is matched to a session's actions by its [`selector`](Call::selector): its data's
//! first four bytes, or [`TRANSFER_SELECTOR`] for a plain ether transfer.

use alloc::vec::Vec;

use alloy_primitives::{Address, FixedBytes, U256};
use alloy_sol_types::SolCall;

use crate::{
    codec::{buffer, push_within, u256, Reader},
    interface::{
        Error,
        IERC7579Execution::executeCall,
        ISmartSessions::{
            BatchEmpty, BatchTooLarge, CallSelectorInvalid, CalldataMalformed,
            ExecuteSelectorUnsupported, ExecutionModeUnsupported,
        },
    },
};

/// ERC-7579 call type of a single call.
const CALLTYPE_SINGLE: u8 = 0x00;
/// ERC-7579 call type of a batch.
const CALLTYPE_BATCH: u8 = 0x01;
/// Most calls one batch may hold: bounds validation work (ERC-7562).
pub const MAX_BATCH_LENGTH: usize = 32;

/// Where `executionCalldata`'s bytes start in `callData`: selector, mode, offset, length.
const EXECUTION_START: usize = 4 + 32 + 32 + 32;
/// Head words of an encoded `Execution`: target, value, offset of its call data.
const EXECUTION_HEAD: usize = 3 * 32;

/// The `selector` of an [`Action`](crate::interface::Action) that allows a plain ether
/// transfer (empty call data).
pub const TRANSFER_SELECTOR: FixedBytes<4> = FixedBytes::ZERO;

/// One call the account is asked to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Call<'a> {
    /// The called contract.
    pub target: Address,
    /// Wei sent with the call.
    pub value: U256,
    /// The call's data.
    pub data: &'a [u8],
}

impl Call<'_> {
    /// The selector an action must allow for this call: the data's first four bytes, or
    /// [`TRANSFER_SELECTOR`] for a plain transfer.
    ///
    /// # Errors
    /// [`CallSelectorInvalid`] for 1 to 3 bytes of data or data starting with the reserved
    /// zero selector.
    #[inline]
    pub fn selector(&self) -> Result<FixedBytes<4>, Error> {
        if self.data.is_empty() {
            return Ok(TRANSFER_SELECTOR);
        }
        match self.data.first_chunk::<4>().map(|selector| FixedBytes::new(*selector)) {
            Some(selector) if selector != TRANSFER_SELECTOR => Ok(selector),
            _ => Err(CallSelectorInvalid { target: self.target }.into()),
        }
    }
}

/// Decodes the account's `execute` call data into the calls it asks for.
///
/// # Errors
/// - [`ExecuteSelectorUnsupported`] when the call is not `execute(bytes32,bytes)`.
/// - [`ExecutionModeUnsupported`] for any mode but single or batch with default exec type
///   and zero selector and payload.
/// - [`CalldataMalformed`] when the encoding is not canonical, with the failing byte offset.
/// - [`BatchEmpty`] / [`BatchTooLarge`] for a batch of 0 or more than [`MAX_BATCH_LENGTH`].
#[inline]
pub fn decode_execute(call_data: &[u8]) -> Result<Vec<Call<'_>>, Error> {
    let (selector, args) = call_data.split_first_chunk::<4>().ok_or_else(|| malformed(0))?;
    if *selector != executeCall::SELECTOR {
        return Err(ExecuteSelectorUnsupported { selector: FixedBytes::new(*selector) }.into());
    }
    let args = Reader::new(args, 4);
    let mode = args.b256(0).map_err(malformed)?;
    let [execution] = args.trailing_bytes(2).map_err(malformed)?;
    // Bytes 1..32 (exec type, unused, mode selector, payload) must be zero: no mode we do not know.
    if mode.iter().skip(1).any(|&byte| byte != 0) {
        return Err(ExecutionModeUnsupported { mode }.into());
    }
    let execution = Reader::new(execution, EXECUTION_START);
    match mode.0[0] {
        CALLTYPE_SINGLE => decode_single(execution).map(|call| vec![call]),
        CALLTYPE_BATCH => decode_batch(execution),
        _ => Err(ExecutionModeUnsupported { mode }.into()),
    }
}

#[inline]
fn malformed(position: usize) -> Error {
    CalldataMalformed { position: u256(position as u128) }.into()
}

/// `abi.encodePacked(target, value, callData)`, as ERC-7579 encodes a single call.
#[inline]
fn decode_single(execution: Reader<'_>) -> Result<Call<'_>, Error> {
    let bytes = execution.bytes();
    let (target, rest) =
        bytes.split_first_chunk::<20>().ok_or_else(|| malformed(execution.fail(bytes.len())))?;
    let (value, data) =
        rest.split_first_chunk::<32>().ok_or_else(|| malformed(execution.fail(bytes.len())))?;
    Ok(Call { target: Address::new(*target), value: U256::from_be_bytes(*value), data })
}

/// `abi.encode(Execution[])`, as ERC-7579 encodes a batch.
#[inline]
fn decode_batch(execution: Reader<'_>) -> Result<Vec<Call<'_>>, Error> {
    execution.offset_is(0, 32).map_err(malformed)?;
    let length = execution.length(32).map_err(malformed)?;
    if length == 0 {
        return Err(BatchEmpty {}.into());
    }
    if length > MAX_BATCH_LENGTH {
        return Err(BatchTooLarge {
            length: u256(length as u128),
            maxLength: u256(MAX_BATCH_LENGTH as u128),
        }
        .into());
    }
    // Element offsets count from the first head word; each must point right after the
    // previous element, where the encoder puts it.
    let heads = 64;
    let mut next = length * 32;
    let mut calls = buffer(length);
    for index in 0..length {
        execution.offset_is(heads + index * 32, next).map_err(malformed)?;
        let element = heads + next;
        let target = execution.address(element).map_err(malformed)?;
        let value = execution.uint(element + 32).map_err(malformed)?;
        execution.offset_is(element + 64, 96).map_err(malformed)?;
        let (data, size) = execution.dynamic_bytes(element + 96).map_err(malformed)?;
        next += EXECUTION_HEAD + size;
        push_within(&mut calls, Call { target, value, data });
    }
    execution.end(heads + next).map_err(malformed)?;
    Ok(calls)
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{address, b256, Bytes, B256};
    use alloy_sol_types::{abi::AbiDecoderConfig, SolCall, SolValue};
    use proptest::prelude::*;

    use super::*;
    use crate::interface::Execution;

    const SINGLE: B256 = B256::ZERO;
    const BATCH: B256 = b256!("0100000000000000000000000000000000000000000000000000000000000000");

    fn execute(mode: B256, execution: Vec<u8>) -> Vec<u8> {
        executeCall { mode, executionCalldata: execution.into() }.abi_encode()
    }

    fn single(target: Address, value: U256, data: &[u8]) -> Vec<u8> {
        [target.as_slice(), &value.to_be_bytes::<32>(), data].concat()
    }

    fn batch(executions: &[Execution]) -> Vec<u8> {
        executions.to_vec().abi_encode()
    }

    fn move_call(value: u64) -> Execution {
        Execution {
            target: address!("0000000000000000000000000000000000009a3e"),
            value: U256::from(value),
            callData: Bytes::from(vec![0x12, 0x34, 0x56, 0x78, 1, 2]),
        }
    }

    #[test]
    fn decode_execute_returns_the_call_when_single() {
        let target = address!("0000000000000000000000000000000000009a3e");
        let encoded = execute(SINGLE, single(target, U256::from(7), &[0xaa, 0xbb, 0xcc, 0xdd]));
        let calls = decode_execute(&encoded).unwrap();
        assert_eq!(
            calls,
            vec![Call { target, value: U256::from(7), data: &[0xaa, 0xbb, 0xcc, 0xdd] }]
        );
    }

    #[test]
    fn decode_execute_returns_empty_data_when_single_is_a_plain_transfer() {
        let target = address!("0000000000000000000000000000000000009a3e");
        let encoded = execute(SINGLE, single(target, U256::from(1), &[]));
        let calls = decode_execute(&encoded).unwrap();
        assert_eq!(calls[0].data, &[] as &[u8]);
    }

    #[test]
    fn decode_execute_fails_when_single_is_shorter_than_target_and_value() {
        let encoded = execute(SINGLE, vec![0u8; 51]);
        assert_eq!(decode_execute(&encoded), Err(malformed(EXECUTION_START + 51)));
    }

    #[test]
    fn decode_execute_returns_every_call_when_batch() {
        let executions = [move_call(1), move_call(2)];
        let encoded = execute(BATCH, batch(&executions));
        let calls = decode_execute(&encoded).unwrap();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1].value, U256::from(2));
        assert_eq!(calls[1].data, executions[1].callData.as_ref());
    }

    #[test]
    fn decode_execute_fails_when_batch_is_empty() {
        let encoded = execute(BATCH, batch(&[]));
        assert_eq!(decode_execute(&encoded), Err(BatchEmpty {}.into()));
    }

    #[test]
    fn decode_execute_fails_when_batch_is_too_large() {
        let executions = vec![move_call(0); MAX_BATCH_LENGTH + 1];
        let encoded = execute(BATCH, batch(&executions));
        assert_eq!(
            decode_execute(&encoded),
            Err(BatchTooLarge { length: U256::from(33), maxLength: U256::from(32) }.into())
        );
    }

    #[test]
    fn decode_execute_fails_when_selector_is_not_execute() {
        let mut encoded = execute(SINGLE, single(Address::ZERO, U256::ZERO, &[]));
        encoded[..4].copy_from_slice(&[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(
            decode_execute(&encoded),
            Err(ExecuteSelectorUnsupported { selector: FixedBytes::new([0xde, 0xad, 0xbe, 0xef]) }
                .into())
        );
        assert_eq!(decode_execute(&encoded[..3]), Err(malformed(0)));
    }

    #[test]
    fn decode_execute_fails_when_mode_is_not_single_or_batch() {
        let execution = single(Address::ZERO, U256::ZERO, &[]);
        for (byte, value) in [(0, 0xff), (0, 0xfe), (0, 0x02), (1, 0x01), (2, 1), (6, 1), (31, 1)] {
            let mut mode = [0u8; 32];
            mode[byte] = value;
            let mode = B256::from(mode);
            assert_eq!(
                decode_execute(&execute(mode, execution.clone())),
                Err(ExecutionModeUnsupported { mode }.into()),
                "mode byte {byte} = {value:#x}"
            );
        }
    }

    #[test]
    fn decode_execute_fails_when_outer_offset_points_elsewhere() {
        let mut encoded = execute(SINGLE, single(Address::ZERO, U256::ZERO, &[1, 2, 3, 4]));
        encoded[4 + 63] = 0x60;
        assert_eq!(decode_execute(&encoded), Err(malformed(36)));
    }

    #[test]
    fn decode_execute_reads_the_padding_when_length_grows_within_it() {
        let mut encoded = execute(SINGLE, single(Address::ZERO, U256::ZERO, &[1, 2, 3, 4]));
        // 56 bytes claimed as 57: still canonical, it encodes data ending in the zero byte.
        encoded[4 + 95] = 57;
        assert_eq!(decode_execute(&encoded).unwrap()[0].data, &[1, 2, 3, 4, 0]);
    }

    #[test]
    fn decode_execute_fails_when_length_lies() {
        let mut encoded = execute(SINGLE, single(Address::ZERO, U256::MAX, &[1, 2, 3, 4]));
        // A length past the buffer.
        encoded[4 + 95] = 65;
        assert_eq!(decode_execute(&encoded), Err(malformed(68)));
        // A length with bits above 32 set.
        encoded[4 + 95] = 56;
        encoded[4 + 64] = 1;
        assert_eq!(decode_execute(&encoded), Err(malformed(68)));
        // A length shorter than the data: the bytes after it are not zero padding.
        encoded[4 + 64] = 0;
        encoded[4 + 95] = 20;
        assert_eq!(decode_execute(&encoded), Err(malformed(EXECUTION_START + 20)));
    }

    #[test]
    fn decode_execute_fails_when_padding_or_trailing_bytes_are_present() {
        let mut encoded = execute(SINGLE, single(Address::ZERO, U256::ZERO, &[1, 2, 3, 4]));
        let last = encoded.len() - 1;
        encoded[last] = 1;
        assert_eq!(decode_execute(&encoded), Err(malformed(EXECUTION_START + 56)));
        encoded[last] = 0;
        let end = encoded.len();
        encoded.extend_from_slice(&[0u8; 32]);
        // Reported where the canonical encoding ends.
        assert_eq!(decode_execute(&encoded), Err(malformed(end)));
    }

    #[test]
    fn decode_execute_fails_when_batch_element_offset_points_into_another_element() {
        let mut execution = batch(&[move_call(1), move_call(2)]);
        // Second element's offset aimed at the first element: both would read the same call.
        execution[64 + 63] = 0x40;
        assert_eq!(
            decode_execute(&execute(BATCH, execution)),
            Err(malformed(EXECUTION_START + 96))
        );
    }

    #[test]
    fn decode_execute_fails_when_batch_target_has_dirty_high_bytes() {
        let mut execution = batch(&[move_call(1)]);
        execution[64 + 32] = 1;
        assert_eq!(
            decode_execute(&execute(BATCH, execution)),
            Err(malformed(EXECUTION_START + 96))
        );
    }

    #[test]
    fn decode_execute_fails_when_batch_call_data_offset_is_not_canonical() {
        let mut execution = batch(&[move_call(1)]);
        execution[96 + 95] = 0x80;
        assert_eq!(
            decode_execute(&execute(BATCH, execution)),
            Err(malformed(EXECUTION_START + 96 + 64))
        );
    }

    /// alloy's strict decoding: canonical offsets, zero padding, no trailing bytes.
    fn alloy_decode(call_data: &[u8]) -> Option<Vec<(Address, U256, Vec<u8>)>> {
        let strict = AbiDecoderConfig::new().strict(true);
        let call = executeCall::abi_decode_with_config(call_data, strict).ok()?;
        let mode = call.mode;
        if mode[1..].iter().any(|&byte| byte != 0) {
            return None;
        }
        let execution = call.executionCalldata.as_ref();
        match mode[0] {
            CALLTYPE_SINGLE if execution.len() >= 52 => Some(vec![(
                Address::from_slice(&execution[..20]),
                U256::from_be_slice(&execution[20..52]),
                execution[52..].to_vec(),
            )]),
            CALLTYPE_BATCH => {
                let executions =
                    Vec::<Execution>::abi_decode_with_config(execution, strict).ok()?;
                (!executions.is_empty() && executions.len() <= MAX_BATCH_LENGTH).then(|| {
                    executions
                        .into_iter()
                        .map(|e| (e.target, e.value, e.callData.to_vec()))
                        .collect()
                })
            }
            _ => None,
        }
    }

    fn ours(call_data: &[u8]) -> Option<Vec<(Address, U256, Vec<u8>)>> {
        decode_execute(call_data)
            .ok()
            .map(|calls| calls.into_iter().map(|c| (c.target, c.value, c.data.to_vec())).collect())
    }

    fn arb_execution() -> impl Strategy<Value = Execution> {
        (any::<[u8; 20]>(), any::<[u8; 32]>(), proptest::collection::vec(any::<u8>(), 0..80))
            .prop_map(|(target, value, data)| Execution {
                target: Address::from(target),
                value: U256::from_be_bytes(value),
                callData: data.into(),
            })
    }

    fn arb_call_data() -> impl Strategy<Value = Vec<u8>> {
        prop_oneof![
            arb_execution().prop_map(|e| execute(SINGLE, single(e.target, e.value, &e.callData))),
            proptest::collection::vec(arb_execution(), 0..5)
                .prop_map(|executions| execute(BATCH, batch(&executions))),
        ]
    }

    proptest! {
        #[test]
        fn decode_execute_equals_alloy_on_valid_input(call_data in arb_call_data()) {
            let expected = alloy_decode(&call_data);
            prop_assert_eq!(ours(&call_data), expected);
        }

        #[test]
        fn decode_execute_equals_alloy_on_mutated_input(
            call_data in arb_call_data(),
            flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
            cut in proptest::option::of(any::<prop::sample::Index>()),
        ) {
            let mut call_data = call_data;
            for (index, byte) in flips {
                let i = index.index(call_data.len());
                call_data[i] = byte;
            }
            if let Some(cut) = cut {
                call_data.truncate(cut.index(call_data.len() + 1));
            }
            prop_assert_eq!(ours(&call_data), alloy_decode(&call_data));
        }
    }
}
