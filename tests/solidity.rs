//! The published Solidity interface, `abi/ISmartSessions.sol`, as an integrator uses it: forge
//! compiles it with the test contracts (`make evm`), and a contract that imports it encodes an
//! ENABLE-mode signature from its structs, byte for byte as the Rust client encodes it.

use crate::support;

use alloy_primitives::{Bytes, U256};
use alloy_sol_types::SolValue;
use local_chain::ExecutionResult;
use session_core::interface::{ChainDigest, EnableSession, SessionGrant};
use support::{
    evm::{creation_code, selector, World, DEPLOYER},
    game_session, SessionKey, CHAIN_ID, MODULE,
};

#[test]
fn a_solidity_contract_encodes_an_enable_signature_from_the_published_interface() {
    let mut world = World::new();
    let source = "contracts/EnableEncoder.sol";
    let encoder = world.chain.deploy(DEPLOYER, creation_code(source, "EnableEncoder"));
    let (owner, key) = (SessionKey::from_seed(0x0a), SessionKey::from_seed(0x0b));
    let grant = SessionGrant {
        session: game_session(world.account, &key),
        nonce: U256::from(3),
        deadline: alloy_primitives::aliases::U48::from(1_900_000_000u64),
    };
    // Every dynamic part filled: chain entries, both signatures, every session array.
    let chains = vec![
        ChainDigest { chainId: U256::from(CHAIN_ID), grantDigest: grant.digest(CHAIN_ID, MODULE) },
        ChainDigest { chainId: U256::from(42_161), grantDigest: grant.digest(42_161, MODULE) },
    ];
    let owner_signature = Bytes::from(owner.sign(grant.digest(CHAIN_ID, MODULE)).to_vec());
    let key_signature = Bytes::from(vec![0x5a; 69]);
    let arguments = (
        grant.clone(),
        chains.clone(),
        U256::from(1),
        owner_signature.clone(),
        key_signature.clone(),
    );
    let call =
        [&selector(source, "EnableEncoder", "enableSignature")[..], &arguments.abi_encode_params()]
            .concat();
    let ExecutionResult::Success { output, .. } =
        world.chain.call(DEPLOYER, encoder, call, U256::ZERO)
    else {
        panic!("enableSignature reverted");
    };
    let encoded = Bytes::abi_decode(output.data()).unwrap();

    // The module reads ENABLE data as `0x01 ‖ abi.encode(EnableSession)` of its own struct.
    let enable = EnableSession {
        grant,
        chains,
        chainIndex: U256::from(1),
        ownerSignature: owner_signature,
        keySignature: key_signature,
    };
    let expected = [vec![0x01], enable.abi_encode()].concat();
    assert_eq!(encoded.to_vec(), expected);
}
