//! ArbWasm, ArbWasmCache and the cache manager as `cargo stylus` meets them: a program deployed
//! by CREATE runs once activated, activation takes its data fee, a bid caches it.

use alloy_sol_types::{SolCall, SolError};
use revm::primitives::{keccak256, Address, Bytes, U256};

use super::*;
use crate::{Chain, ExecutionResult, StateReader};

/// Returns its call data.
const ECHO: &str = r#"(module
  (import "vm_hooks" "read_args" (func $read_args (param i32)))
  (import "vm_hooks" "write_result" (func $write_result (param i32 i32)))
  (memory (export "memory") 1)
  (func (export "user_entrypoint") (param $len i32) (result i32)
    (call $read_args (i32.const 0))
    (call $write_result (i32.const 0) (local.get $len))
    (i32.const 0)))"#;

const DEPLOYER: Address = Address::repeat_byte(0xde);

fn echo_code() -> Vec<u8> {
    stylus_artifact::deployable(&wat::parse_str(ECHO).expect("valid WAT"))
}

/// `cargo stylus deploy`'s init code: returns the code after it (`PUSH32 len, DUP1, PUSH1 43,
/// PUSH1 0, CODECOPY, PUSH1 0, RETURN`, a version byte).
fn init_code(code: &[u8]) -> Vec<u8> {
    let length = U256::from(code.len()).to_be_bytes::<32>();
    [&[0x7f][..], &length, &[0x80, 0x60, 0x2b, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3, 0x00], code]
        .concat()
}

/// The call's output: `Ok` return data, `Err` revert data.
fn outcome(result: ExecutionResult) -> Result<Bytes, Bytes> {
    match result {
        ExecutionResult::Success { output, .. } => Ok(output.into_data()),
        ExecutionResult::Revert { output, .. } => Err(output),
        other => panic!("halted: {other:?}"),
    }
}

fn chain() -> Chain {
    let mut chain = Chain::new(1, 0);
    chain.set_balance(DEPLOYER, U256::from(10u64.pow(18)));
    chain
}

#[test]
fn a_program_created_by_cargo_stylus_init_code_runs_once_activated_for_its_data_fee() {
    let mut chain = chain();
    let code = echo_code();
    let program = chain.deploy(DEPLOYER, init_code(&code));
    assert_eq!(chain.state().code(program), Bytes::from(code.clone()), "0xEF code created");
    let not_activated = Err(IArbWasm::ProgramNotActivated {}.abi_encode().into());
    assert_eq!(outcome(chain.call(DEPLOYER, program, vec![1, 2, 3], U256::ZERO)), not_activated);
    let version = IArbWasm::codehashVersionCall { codehash: keccak256(&code) }.abi_encode();
    assert_eq!(outcome(chain.call(DEPLOYER, ARB_WASM, version.clone(), U256::ZERO)), not_activated);

    let fee =
        U256::from(stylus_artifact::decompress(&code).unwrap().len() as u64 * DATA_FEE_PER_BYTE);
    let activate = IArbWasm::activateProgramCall { program }.abi_encode();
    let short = fee - U256::from(1);
    assert_eq!(
        outcome(chain.call(DEPLOYER, ARB_WASM, activate.clone(), short)),
        Err(IArbWasm::ProgramInsufficientValue { have: short, want: fee }.abi_encode().into())
    );
    let before = chain.balance(DEPLOYER);
    let answer = outcome(chain.call(DEPLOYER, ARB_WASM, activate.clone(), fee * U256::from(2)));
    let returns =
        IArbWasm::activateProgramCall::abi_encode_returns(&IArbWasm::activateProgramReturn {
            version: STYLUS_VERSION,
            dataFee: fee,
        });
    assert_eq!(answer, Ok(returns.into()));
    assert_eq!(
        before - chain.balance(DEPLOYER),
        fee,
        "the fee taken, the rest left (gas is free here)"
    );

    let expected = IArbWasm::codehashVersionCall::abi_encode_returns(&STYLUS_VERSION);
    assert_eq!(outcome(chain.call(DEPLOYER, ARB_WASM, version, U256::ZERO)), Ok(expected.into()));
    assert_eq!(
        outcome(chain.call(DEPLOYER, program, vec![1, 2, 3], U256::ZERO)),
        Ok(vec![1, 2, 3].into())
    );
    assert_eq!(
        outcome(chain.call(DEPLOYER, ARB_WASM, activate, fee)),
        Err(IArbWasm::ProgramUpToDate {}.abi_encode().into())
    );
}

#[test]
fn activation_refuses_code_that_is_not_a_stylus_program() {
    let mut chain = chain();
    // Runtime code STOP: an EVM contract.
    let contract =
        chain.deploy(DEPLOYER, vec![0x60, 0x01, 0x60, 0x00, 0x53, 0x60, 0x01, 0x60, 0x00, 0xf3]);
    let nobody = Address::repeat_byte(0x0b);
    for program in [contract, nobody] {
        let activate = IArbWasm::activateProgramCall { program }.abi_encode();
        assert_eq!(
            outcome(chain.call(DEPLOYER, ARB_WASM, activate, U256::from(10u64.pow(17)))),
            Err(IArbWasm::ProgramNotWasm {}.abi_encode().into())
        );
    }
}

#[test]
fn a_cache_bid_caches_an_activated_program_whose_calls_then_pay_the_cached_entry() {
    let mut chain = chain();
    let managers = IArbWasmCache::allCacheManagersCall {}.abi_encode();
    let expected = IArbWasmCache::allCacheManagersCall::abi_encode_returns(&vec![CACHE_MANAGER]);
    assert_eq!(
        outcome(chain.call(DEPLOYER, ARB_WASM_CACHE, managers, U256::ZERO)),
        Ok(expected.into())
    );

    // Placed as the tests place programs: activated.
    let program = Address::repeat_byte(0x5e);
    let code = echo_code();
    chain.set_code(program, code.clone());
    let entry = |chain: &mut Chain| {
        chain.clear_stylus_frames();
        assert!(outcome(chain.call(DEPLOYER, program, vec![7], U256::ZERO)).is_ok());
        chain.stylus_frames()[0].entry_gas
    };
    let activation = stylus_runtime::Program::from_code(&code).unwrap().activation();
    assert_eq!(entry(&mut chain), activation.entry_gas(false));

    let bid = ICacheManager::placeBidCall { program }.abi_encode();
    assert_eq!(
        outcome(chain.call(DEPLOYER, CACHE_MANAGER, bid.clone(), U256::from(5))),
        Ok(Bytes::new())
    );
    assert_eq!(chain.balance(CACHE_MANAGER), U256::from(5), "the bid is kept");
    assert_eq!(entry(&mut chain), activation.entry_gas(true));
    assert_eq!(
        outcome(chain.call(DEPLOYER, CACHE_MANAGER, bid, U256::ZERO)),
        Err(ICacheManager::AlreadyCached { codehash: keccak256(&code) }.abi_encode().into())
    );

    // Deployed and never activated: no bid.
    let inactive = chain.deploy(DEPLOYER, init_code(&code[..code.len() - 1]));
    let bid = ICacheManager::placeBidCall { program: inactive }.abi_encode();
    assert_eq!(
        outcome(chain.call(DEPLOYER, CACHE_MANAGER, bid, U256::ZERO)),
        Err(IArbWasm::ProgramNotActivated {}.abi_encode().into())
    );
}
