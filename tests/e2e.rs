//! End to end on the in-process chain (`crates/local-chain`): the real ERC-4337 EntryPoint v0.7
//! and OpenZeppelin's `AccountERC7579` (built by `make evm`) as EVM bytecode, the module as its
//! deployed Stylus artifact (built by `make build`). The owner installs the module and enables
//! the game session with UserOperations of its own; the session key then plays through
//! `handleOps`, and every refusal comes back as the EntryPoint's own error.

use crate::support;

use alloy_primitives::{Bytes, U256};
use alloy_sol_types::{SolCall, SolError};
use session_core::interface::{ISmartSessions, SessionGrant};
use stylus_runtime::precompiles::ECRECOVER;
use stylus_smart_sessions::programs::TEST_MANAGER;
use support::{
    evm::{failed_op, failed_op_with_revert, EntryPointVersion, World},
    execute_single, move_data, SessionKey, CHAIN_ID, CLAIM, ETHER, MODULE, NOW, TWO_HOURS,
};

#[test]
fn session_key_plays_the_game_through_the_entry_point() {
    for version in [EntryPointVersion::V07, EntryPointVersion::V08] {
        session_key_plays_the_game_on(version);
    }
}

fn session_key_plays_the_game_on(version: EntryPointVersion) {
    let key = SessionKey::from_seed(1);
    let (mut world, permission_id) = World::playing_with(version, &key);
    let game = world.game;
    world.chain.clear_stylus_frames();
    world.chain.record_validations_of(world.account);
    let op =
        world.session_op(permission_id, &key, execute_single(game, ETHER / 100, &move_data(1, 2)));
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(1));
    assert_eq!(world.chain.balance(game), U256::from(ETHER / 100));
    let op = world.session_op(permission_id, &key, execute_single(game, 0, &move_data(2, 3)));
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(2));

    // ERC-7562, whole validation: every slot any contract (the account, the module) touched
    // while the account validated is associated with it, by the keccaks computed on the way.
    let validations = world.chain.validations().to_vec();
    assert_eq!(validations.len(), 2);
    for validation in &validations {
        let contracts: std::collections::BTreeSet<_> =
            validation.accesses.iter().map(|(contract, _)| *contract).collect();
        assert!(contracts.contains(&world.account) && contracts.contains(&MODULE), "{contracts:?}");
        assert_eq!(validation.unassociated(), vec![]);
    }

    // ERC-7562: in validation the module read and wrote only storage associated with the
    // account, and called nothing but the ecrecover precompile.
    let account = world.account;
    let frames: Vec<_> = world
        .chain
        .stylus_frames()
        .iter()
        .filter(|frame| frame.caller == account)
        .cloned()
        .collect();
    assert!(!frames.is_empty());
    let keys = support::game_layout_keys_for(permission_id, game);
    for frame in frames {
        assert!(frame.success);
        support::assert_associated(account, &frame.slots, &keys);
        assert!(frame.calls.iter().all(|call| call.to == ECRECOVER));
    }
}

#[test]
fn entry_point_refuses_what_the_session_does_not_allow_and_nothing_is_executed() {
    let key = SessionKey::from_seed(1);
    let (mut world, permission_id) = World::playing(&key);
    let game = world.game;
    let claim = world.session_op(permission_id, &key, execute_single(game, 0, CLAIM.as_slice()));
    assert_eq!(
        world.handle(claim),
        Err(failed_op_with_revert(
            ISmartSessions::ActionNotAllowed {
                permissionId: permission_id,
                target: game,
                selector: CLAIM
            }
            .abi_encode()
        ))
    );
    let greedy = world.session_op(
        permission_id,
        &key,
        execute_single(game, 2 * ETHER / 100, &move_data(1, 2)),
    );
    assert_eq!(
        world.handle(greedy),
        Err(failed_op_with_revert(
            ISmartSessions::CallValueAboveLimit {
                target: game,
                selector: support::MOVE,
                value: U256::from(2 * ETHER / 100),
                limit: U256::from(ETHER / 100),
            }
            .abi_encode()
        ))
    );
    let stolen = world.session_op(
        permission_id,
        &SessionKey::from_seed(2),
        execute_single(game, 0, &move_data(1, 2)),
    );
    assert_eq!(world.handle(stolen), Err(failed_op("AA24 signature error")));
    assert_eq!(world.moves(), U256::ZERO, "nothing executed");
    assert_eq!(world.chain.balance(game), U256::ZERO, "nothing paid");
}

#[test]
fn entry_point_refuses_moves_after_two_hours() {
    let key = SessionKey::from_seed(1);
    let (mut world, permission_id) = World::playing(&key);
    let game = world.game;
    world.chain.set_timestamp(NOW + TWO_HOURS + 1);
    let late = world.session_op(permission_id, &key, execute_single(game, 0, &move_data(1, 2)));
    assert_eq!(world.handle(late), Err(failed_op("AA22 expired or not due")));
    assert_eq!(world.moves(), U256::ZERO);
}

#[test]
fn first_move_enables_the_owner_signed_grant_through_the_accounts_erc1271() {
    let key = SessionKey::from_seed(1);
    let mut world = World::installed();
    let game = world.game;
    let grant = SessionGrant {
        session: world.game_session(&key),
        nonce: U256::ZERO,
        deadline: alloy_primitives::aliases::U48::from(NOW + 3600),
    };
    let permission_id = grant.session.permission_id(CHAIN_ID, MODULE);
    // OpenZeppelin's account routes ERC-1271 to the validator named in the first 20 bytes:
    // the client frames it so (`AccountKind::OpenZeppelin`).
    let owner_signature = world.owner_signature(grant.digest(CHAIN_ID, MODULE));

    // Another key's signature in place of the owner's: the account refuses it (AA24).
    let forged: Bytes = [
        world.owner_validator.to_vec(),
        SessionKey::from_seed(9).sign(grant.digest(CHAIN_ID, MODULE)).to_vec(),
    ]
    .concat()
    .into();
    let op =
        world.enable_op(grant.clone(), forged, &key, execute_single(game, 0, &move_data(0, 0)));
    world.chain.record_validations_of(world.account);
    assert_eq!(world.handle(op), Err(failed_op("AA24 signature error")));
    // ERC-7562 holds on the failure path too: the manager enabled the grant, the account
    // refused the owner's signature, and every slot touched was the account's.
    let refused = world.chain.validations().to_vec();
    assert_eq!(refused.len(), 1);
    assert!(refused[0].accesses.iter().any(|(contract, _)| *contract == MODULE));
    assert_eq!(refused[0].unassociated(), vec![]);

    let op = world.enable_op(
        grant.clone(),
        owner_signature.clone(),
        &key,
        execute_single(game, 0, &move_data(0, 0)),
    );
    world.chain.record_validations_of(world.account);
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(1));
    // ERC-7562, whole validation, into the module's ERC-1271 call: the account and its owner
    // validator read only storage associated with the account.
    let record = world.chain.validations().last().expect("the validation was recorded").clone();
    assert!(
        record.accesses.iter().any(|(contract, _)| *contract == world.owner_validator),
        "the owner validator's reads, made inside the module's call, are recorded"
    );
    assert_eq!(record.unassociated(), vec![]);
    // The validator handed the grant to the manager it was built with (a DELEGATECALL to
    // code), which asked the account (ERC-1271), nothing else; the validator then checked the
    // key's signature (ecrecover); both touched only storage associated with the account.
    let account = world.account;
    let frames = world.chain.stylus_frames();
    let validator = frames.iter().rev().find(|f| f.caller == account && f.code_address.is_none());
    let manager = frames.iter().rev().find(|f| f.code_address == Some(TEST_MANAGER));
    let (validator, manager) = (validator.unwrap().clone(), manager.unwrap().clone());
    let callees = |frame: &local_chain::StylusFrame| {
        frame.calls.iter().map(|call| call.to).collect::<Vec<_>>()
    };
    assert_eq!(callees(&validator), [TEST_MANAGER, ECRECOVER]);
    assert_eq!((manager.contract, manager.caller), (MODULE, account));
    assert_eq!(callees(&manager), [account]);
    let keys = support::game_layout_keys_for(permission_id, game);
    support::assert_associated(account, &validator.slots, &keys);
    support::assert_associated(account, &manager.slots, &keys);

    // Then USE mode; and the grant never enables twice.
    let op = world.session_op(permission_id, &key, execute_single(game, 0, &move_data(1, 1)));
    assert_eq!(world.handle(op), Ok(()));
    let replay = world.enable_op(
        grant.clone(),
        owner_signature,
        &key,
        execute_single(game, 0, &move_data(0, 0)),
    );
    world.chain.record_validations_of(world.account);
    assert_eq!(
        world.handle(replay),
        Err(failed_op_with_revert(
            ISmartSessions::GrantAlreadyUsed { grantDigest: grant.digest(CHAIN_ID, MODULE) }
                .abi_encode()
        ))
    );
    assert_eq!(world.moves(), U256::from(2));
    // The manager's refusal, reverted through the validator, touched only the account's slots.
    let replayed = world.chain.validations().last().expect("the replay was recorded").clone();
    assert!(replayed.accesses.iter().any(|(contract, _)| *contract == MODULE));
    assert_eq!(replayed.unassociated(), vec![]);
}

#[test]
fn chain_reverts_calls_stylus_code_cannot_take() {
    let mut world = World::new();
    let call = ISmartSessions::isInitializedCall { smartAccount: world.account }.abi_encode();
    let deployer = support::evm::DEPLOYER;
    // A view call works; the same call carrying value reverts (no value moves into Stylus).
    assert!(matches!(
        world.chain.call(deployer, MODULE, call.clone(), U256::ZERO),
        local_chain::ExecutionResult::Success { .. }
    ));
    match world.chain.call(deployer, MODULE, call.clone(), U256::from(1)) {
        local_chain::ExecutionResult::Revert { output, .. } => assert!(output.is_empty()),
        other => panic!("expected a revert, got {other:?}"),
    }
    // Stylus code that would not activate (not brotli) reverts every call.
    let broken = alloy_primitives::Address::repeat_byte(0x5b);
    world.chain.set_code(broken, vec![0xEF, 0xF0, 0x00, 0x00, 0xde, 0xad]);
    assert!(matches!(
        world.chain.call(deployer, broken, call, U256::ZERO),
        local_chain::ExecutionResult::Revert { .. }
    ));
}

/// The frame of the module's last `validateUserOp` after one move by `key` in a world whose
/// session has `extra` more actions.
fn validation_of_a_move(key: &SessionKey, extra: u8) -> local_chain::StylusFrame {
    let mut world = World::installed();
    let permission_id =
        world.enable_by_owner(support::with_extra_actions(world.game_session(key), extra));
    let op = world.session_op(permission_id, key, execute_single(world.game, 0, &move_data(1, 1)));
    assert_eq!(world.handle(op), Ok(()));
    world.last_validation().expect("the module validated").clone()
}

#[test]
fn validation_costs_the_same_whatever_the_number_of_actions() {
    let key = SessionKey::from_seed(1);
    let one = validation_of_a_move(&key, 0);
    let five = validation_of_a_move(&key, 4);
    assert!(one.success && five.success);
    assert!(one.ink > 0 && one.gas > one.entry_gas, "{one:?}");
    assert_eq!((five.ink, five.gas), (one.ink, one.gas));
}

#[test]
fn validation_without_enough_gas_fails_and_executes_nothing() {
    let key = SessionKey::from_seed(1);
    let (mut world, permission_id) = World::playing(&key);
    let mut op =
        world.session_op(permission_id, &key, execute_single(world.game, 0, &move_data(1, 1)));
    // 30,000 verification gas: the account's part fits, the module's Stylus frame does not.
    op.accountGasLimits = support::packed_gas(30_000, 2_000_000);
    let op = world.signed_for_session(op, permission_id, &key);
    assert_eq!(world.handle(op), Err(failed_op_with_revert(vec![])));
    let frame = world.last_validation().expect("the module was entered");
    assert!(!frame.success);
    assert_eq!(world.moves(), U256::ZERO);
}
