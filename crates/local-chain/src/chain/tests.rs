//! The P256VERIFY precompile, as EVM code and Stylus frames see it on the chain.

use p256::ecdsa::{signature::hazmat::PrehashSigner, Signature, SigningKey};
use revm::primitives::{Address, Bytes, B256, U256};
use stylus_runtime::{
    precompiles::{p256verify, P256VERIFY},
    CallKind, CallOutcome as StylusCallOutcome, CallRequest, Environment,
};

use crate::{stylus::journaled::Journaled, Chain, EvmFrame, ExecutionResult, StylusInspector};

/// A static frame's view of `chain`, run by `outer`.
fn static_frame<'a>(chain: &'a mut Chain, outer: &'a StylusInspector) -> Journaled<'a> {
    let (sender, value) = (Address::ZERO, U256::ZERO);
    Journaled { context: &mut chain.evm.ctx, read_only: true, outer, sender, value }
}

/// EVM code that passes its call data to P256VERIFY and returns the gas between the two
/// `GAS` readings around the `STATICCALL` (a word), then what P256VERIFY returned.
const PROBE: &[u8] = &[
    0x36, 0x5f, 0x5f, 0x37, // CALLDATACOPY(0, 0, CALLDATASIZE)
    0x5a, // GAS
    0x5f, 0x5f, 0x36, 0x5f, // retSize 0, retOffset 0, argsSize, argsOffset 0
    0x61, 0x01, 0x00, 0x5a, 0xfa, // STATICCALL to 0x100 with all the gas left
    0x5a, 0x90, 0x50, 0x90, 0x03, // GAS, drop the success flag, SUB: the gas in between
    0x5f, 0x52, // MSTORE(0, gas)
    0x3d, 0x5f, 0x60, 0x20, 0x3e, // RETURNDATACOPY(0x20, 0, RETURNDATASIZE)
    0x3d, 0x60, 0x20, 0x01, 0x5f, 0xf3, // RETURN(0, 0x20 + RETURNDATASIZE)
];

/// Gas between PROBE's two `GAS` readings: P256VERIFY's 3,450, a warm `STATICCALL`'s 100
/// and 15 for the seven cheap opcodes (four `PUSH0`, `CALLDATASIZE`, `PUSH2`, `GAS`).
const PROBE_GAS: u64 = 3_450 + 100 + 15;

/// A P256VERIFY input, `hash` signed by a fixed secp256r1 key (low s), and its variants:
/// the high-s twin, a flipped hash bit, r = 0, a point off the curve, 159 and 161 bytes.
fn p256_inputs() -> Vec<Vec<u8>> {
    let hash = [9u8; 32];
    let key = SigningKey::from_slice(&[7u8; 32]).unwrap();
    let signature: Signature = key.sign_prehash(&hash).unwrap();
    let signature = signature.normalize_s().unwrap_or(signature);
    let point = key.verifying_key().to_encoded_point(false);
    let valid = [&hash[..], &signature.to_bytes(), &point.as_bytes()[1..]].concat();
    let (r, s) = signature.split_scalars();
    let twin = Signature::from_scalars(r, -s).unwrap();
    let variant = |range: std::ops::Range<usize>, bytes: &[u8]| {
        let mut input = valid.clone();
        input[range].copy_from_slice(bytes);
        input
    };
    vec![
        valid.clone(),
        variant(32..96, &twin.to_bytes()),
        variant(31..32, &[valid[31] ^ 1]),
        variant(32..64, &[0; 32]),
        variant(159..160, &[valid[159] ^ 1]),
        valid[..159].to_vec(),
        [&valid[..], &[0]].concat(),
    ]
}

/// The word P256VERIFY answers for a valid signature.
fn one() -> Vec<u8> {
    B256::with_last_byte(1).to_vec()
}

#[test]
fn a_stylus_frame_gets_p256verify_natively_warm_at_3450_gas() {
    let mut chain = Chain::new(1, 0);
    let outer = StylusInspector::default();
    let mut journaled = static_frame(&mut chain, &outer);
    let expected = [true, true, false, false, false, false, false];
    for (input, valid) in p256_inputs().into_iter().zip(expected) {
        let request =
            CallRequest { kind: CallKind::Static, to: P256VERIFY, value: U256::ZERO, data: input };
        let data = if valid { one() } else { Vec::new() };
        assert_eq!(
            journaled.call(Address::repeat_byte(0xaa), request),
            StylusCallOutcome { success: true, data, cold: false, callee_gas: 3_450, refund: 0 }
        );
    }
}

#[test]
fn evm_code_gets_p256verify_at_3450_gas_agreeing_with_the_stylus_side() {
    let mut chain = Chain::new(1, 0);
    let probe = Address::repeat_byte(0xbb);
    chain.set_code(probe, PROBE.to_vec());
    let expected = [true, true, false, false, false, false, false];
    for (input, valid) in p256_inputs().into_iter().zip(expected) {
        let mut answer = U256::from(PROBE_GAS).to_be_bytes::<32>().to_vec();
        answer.extend(if valid { one() } else { Vec::new() });
        // The EVM precompile (revm's) and the native one (stylus-runtime's) agree.
        assert_eq!(answer[32..], p256verify(&input));
        let output = match chain.call(Address::repeat_byte(0xaa), probe, input, U256::ZERO) {
            ExecutionResult::Success { output, .. } => output.into_data().to_vec(),
            other => panic!("the probe failed: {other:?}"),
        };
        assert_eq!(output, answer);
    }
}

#[test]
fn every_evm_frame_is_recorded_with_the_gas_it_spent() {
    let mut chain = Chain::new(1, 0);
    // PUSH1 1, PUSH0, SSTORE (a fresh, cold slot), then REVERT(0, 0) when called with
    // data, else STOP.
    let writer = Address::repeat_byte(0xbb);
    chain.set_code(
        writer,
        vec![0x60, 0x01, 0x5f, 0x55, 0x36, 0x60, 0x0a, 0x57, 0x00, 0x00, 0x5b, 0x5f, 0x5f, 0xfd],
    );
    let sender = Address::repeat_byte(0xaa);
    chain.call(sender, writer, Vec::new(), U256::ZERO);
    // 3 + 2 + 22,100 (cold, 0 -> 1) + CALLDATASIZE 2 + PUSH1 3 + JUMPI 10 + STOP 0.
    let stored =
        EvmFrame { contract: writer, caller: sender, selector: [0; 4], success: true, gas: 22_120 };
    assert_eq!(chain.evm_frames(), std::slice::from_ref(&stored));
    // Reverted, with a selector, in a new transaction: the slot is cold again and clean
    // (1 -> 1), 2,100 + 100.
    chain.call(sender, writer, vec![1, 2, 3, 4, 5], U256::ZERO);
    let reverted = EvmFrame {
        selector: [1, 2, 3, 4],
        success: false,
        gas: 3 + 2 + 2_200 + 2 + 3 + 10 + 1 + 2 + 2,
        ..stored.clone()
    };
    assert_eq!(chain.evm_frames(), [stored, reverted]);
}

#[test]
fn evm_code_called_out_of_a_stylus_frame_gets_p256verify_too() {
    evm_code_called_out_of_a_stylus_frame_answers_under_base_fee(0);
}

#[test]
fn a_call_out_of_a_stylus_frame_pays_no_fee_of_its_own_under_a_base_fee() {
    // The nested EVM's transaction is part of the outer one: a base fee must not refuse it
    // (it did, silently, until the node set one).
    evm_code_called_out_of_a_stylus_frame_answers_under_base_fee(100_000_000);
}

fn evm_code_called_out_of_a_stylus_frame_answers_under_base_fee(base_fee: u64) {
    let mut chain = Chain::new(1, 0);
    chain.set_base_fee(base_fee);
    let probe = Address::repeat_byte(0xbb);
    chain.set_code(probe, PROBE.to_vec());
    let outer = StylusInspector::default();
    let mut journaled = static_frame(&mut chain, &outer);
    let valid = p256_inputs().swap_remove(0);
    let request = CallRequest { kind: CallKind::Static, to: probe, value: U256::ZERO, data: valid };
    let outcome = journaled.call(Address::repeat_byte(0xaa), request);
    let mut answer = U256::from(PROBE_GAS).to_be_bytes::<32>().to_vec();
    answer.extend(one());
    assert_eq!((outcome.success, outcome.data), (true, answer));
}

#[test]
fn code_is_the_deployed_runtime_code_and_empty_elsewhere() {
    let mut chain = Chain::new(1, 0);
    // Init code returning the 3 bytes `PUSH0 PUSH0 RETURN` (5f 5f f3) as runtime code.
    let init = vec![0x62, 0x5f, 0x5f, 0xf3, 0x5f, 0x52, 0x60, 0x03, 0x60, 0x1d, 0xf3];
    let deployed = chain.deploy(Address::repeat_byte(0xaa), init);
    assert_eq!(chain.code(deployed), Bytes::from(vec![0x5f, 0x5f, 0xf3]));
    assert_eq!(chain.code(Address::repeat_byte(0xcc)), Bytes::new());
    chain.set_code(Address::repeat_byte(0xcd), vec![0x00]);
    assert_eq!(chain.code(Address::repeat_byte(0xcd)), Bytes::from(vec![0x00]));
}
