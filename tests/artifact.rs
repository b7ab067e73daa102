//! The deployed artifact itself — `target/stylus_smart_sessions.code`, brotli and all, as
//! `make build` writes it — run on wasmi with Nitro's hostio semantics (`stylus-runtime`):
//! the game session, ENABLE mode with an account answering ERC-1271, reverts rolling back, and
//! ERC-7562 on every slot and call the real program makes.

use crate::support;

use alloy_primitives::{aliases::U48, Address, Bytes, U256};
use alloy_sol_types::{SolCall, SolInterface, SolValue};
use session_core::interface::{Error, ISmartSessions::*, SessionGrant};
use stylus_runtime::{precompiles::ECRECOVER, CallKind, CallRequest, Message};
use stylus_smart_sessions::programs::{TEST_EXECUTOR, TEST_MANAGER};
use support::{chain::Chain, *};

#[test]
fn artifact_imports_only_the_hostios_the_runtime_serves() {
    let chain = Chain::new();
    let sorted = |mut imports: Vec<String>| {
        imports.sort();
        imports
    };
    // A new import shows up here first: decide how the runtime serves it, then list it.
    let validator = [
        "delegate_call_contract",
        "emit_log",
        "msg_reentrant",
        "msg_sender",
        "msg_value",
        "native_keccak256",
        "pay_for_memory_grow",
        "read_args",
        "read_return_data",
        "static_call_contract",
        "storage_cache_bytes32",
        "storage_flush_cache",
        "storage_load_bytes32",
        "write_result",
    ];
    assert_eq!(sorted(chain.program.imports()), validator);
    // The validator cannot read the clock, the chain id or its own address, nor make a call
    // that could carry value: nothing of ERC-7562's banned environment is even linked into
    // the program that runs validation.
    // The manager derives permission ids and grant digests (chain id, its address) but never
    // reads the clock, nor makes a plain call either; the executor (deadlines, the executor
    // path's window) reads all three, and never runs in validation. Its plain call is the
    // executor path's, to the account's `executeFromExecutor`.
    let with = |extra: &[&str]| {
        sorted(validator.iter().chain(extra).map(|name| name.to_string()).collect())
    };
    let imports = |program: Address| sorted(chain.world.delegates[&program].imports());
    // Nor does it delegate (only the validator hands calls on).
    let mut manager = with(&["chainid", "contract_address"]);
    manager.retain(|import| import != "delegate_call_contract");
    assert_eq!(imports(TEST_MANAGER), manager);
    let executor = with(&["block_timestamp", "call_contract", "chainid", "contract_address"]);
    assert_eq!(imports(TEST_EXECUTOR), executor);
}

#[test]
fn artifact_runs_the_game_session() {
    let key = SessionKey::from_seed(1);
    let mut chain = Chain::new();
    chain.call(ALICE, onInstallCall { data: Bytes::new() }).unwrap();
    assert!(chain.call(BOB, isInitializedCall { smartAccount: ALICE }).unwrap());
    let permission_id =
        chain.call(ALICE, enableSessionCall { session: game_session(ALICE, &key) }).unwrap();
    assert_eq!(permission_id, game_session(ALICE, &key).permission_id(CHAIN_ID, MODULE));

    let op =
        signed_op(ALICE, permission_id, &key, execute_single(GAME, ETHER / 100, &move_data(1, 2)));
    assert_eq!(chain.validate(ALICE, &op), Ok(window(NOW, NOW + TWO_HOURS)));
    // The use is counted in one word and logged by the EntryPoint, not by the module.
    assert!(chain.last.logs.is_empty());
    // The real program sends ecrecover exactly hash ‖ v ‖ r ‖ s.
    let ecdsa = &op.signature[33..];
    let message = session_op_hash(op_hash(&op), permission_id, 0);
    let expected =
        [message.as_slice(), &U256::from(ecdsa[64]).to_be_bytes::<32>(), &ecdsa[..64]].concat();
    assert_eq!(
        chain.last.calls,
        vec![CallRequest {
            kind: CallKind::Static,
            to: ECRECOVER,
            value: U256::ZERO,
            data: expected
        }]
    );
    let state =
        chain.call(BOB, getSessionCall { account: ALICE, permissionId: permission_id }).unwrap();
    assert_eq!((state.uses, state.spent), (1, U256::from(ETHER / 100)));

    let other = signed_op(ALICE, permission_id, &key, execute_single(OTHER, 0, &move_data(1, 2)));
    assert_eq!(
        chain.validate(ALICE, &other),
        Err(ActionNotAllowed { permissionId: permission_id, target: OTHER, selector: MOVE }.into())
    );
    let greedy =
        signed_op(ALICE, permission_id, &key, execute_single(GAME, ETHER / 50, &move_data(1, 2)));
    assert_eq!(
        chain.validate(ALICE, &greedy),
        Err(CallValueAboveLimit {
            target: GAME,
            selector: MOVE,
            value: U256::from(ETHER / 50),
            limit: U256::from(ETHER / 100)
        }
        .into())
    );
    let stolen = signed_op(
        ALICE,
        permission_id,
        &SessionKey::from_seed(2),
        execute_single(GAME, 0, &move_data(1, 2)),
    );
    assert_eq!(chain.validate(ALICE, &stolen), Ok(sig_failed(NOW, NOW + TWO_HOURS)));
}

#[test]
fn artifact_rolls_back_a_reverted_call() {
    let key = SessionKey::from_seed(1);
    let mut chain = Chain::new();
    chain.call(ALICE, onInstallCall { data: Bytes::new() }).unwrap();
    let before = chain.world.storage.clone();
    let mut session = game_session(ALICE, &key);
    // The duplicate is found after the first action is written: the revert must undo it.
    session.actions.push(session.actions[0].clone());
    assert_eq!(
        chain.call(ALICE, enableSessionCall { session }),
        Err(ActionDuplicated { target: GAME, selector: MOVE }.into())
    );
    assert_eq!(chain.world.storage, before);
    assert!(chain.last.logs.is_empty());
}

#[test]
fn artifact_refuses_unknown_selectors_with_invalid_calldata() {
    let mut chain = Chain::new();
    let message = Message {
        sender: ALICE,
        value: U256::ZERO,
        contract: MODULE,
        chain_id: CHAIN_ID,
        timestamp: NOW,
        data: vec![0xde, 0xad, 0xbe, 0xef],
        reentrant: false,
    };
    let outcome = chain.program.run(&message, &mut chain.world).unwrap();
    assert!(!outcome.success);
    assert_eq!(
        Error::abi_decode(&outcome.output).unwrap(),
        InvalidCalldata { selector: [0xde, 0xad, 0xbe, 0xef].into(), position: U256::ZERO }.into()
    );
}

#[test]
fn artifact_enables_an_owner_signed_grant_through_the_accounts_erc1271() {
    let (owner, key) = (SessionKey::from_seed(0x0a), SessionKey::from_seed(0x0b));
    let mut chain = Chain::new();
    chain.world.owners.insert(ALICE, owner.address());
    chain.call(ALICE, onInstallCall { data: Bytes::new() }).unwrap();
    let grant = SessionGrant {
        session: game_session(ALICE, &key),
        nonce: U256::ZERO,
        deadline: U48::from(NOW + 600),
    };
    let digest = grant.digest(CHAIN_ID, MODULE);
    let permission_id = grant.session.permission_id(CHAIN_ID, MODULE);
    let enable = single_chain_enable(grant, &owner, CHAIN_ID, MODULE);
    let op = enable_op(ALICE, enable, &key, execute_single(GAME, 0, &move_data(0, 0)));

    let (slots, calls, delegated_calls) = {
        assert_eq!(chain.validate(ALICE, &op), Ok(window(NOW, NOW + 600)));
        let delegated: Vec<_> = chain.delegated.iter().flat_map(|f| f.calls.clone()).collect();
        (chain.last.slots.clone(), chain.last.calls.clone(), delegated)
    };
    assert_eq!(chain.events::<SessionEnabled>().len(), 1);
    assert!(
        chain
            .call(BOB, getSessionCall { account: ALICE, permissionId: permission_id })
            .unwrap()
            .enabled
    );
    // ERC-7562: the validator handed the grant to the manager (code it was built with), which
    // called the account (ERC-1271), nothing else; the validator then checked the key's
    // signature (ecrecover); both touched only storage associated with the account.
    let kinds = |calls: &[CallRequest]| calls.iter().map(|c| (c.kind, c.to)).collect::<Vec<_>>();
    assert_eq!(kinds(&calls), [(CallKind::Delegate, TEST_MANAGER), (CallKind::Static, ECRECOVER)]);
    assert_eq!(kinds(&delegated_calls), [(CallKind::Static, ALICE)]);
    assert!(slots.len() >= 7);
    assert_associated(ALICE, &slots, &game_layout_keys(permission_id));
    // The grant enables once.
    assert_eq!(chain.validate(ALICE, &op), Err(GrantAlreadyUsed { grantDigest: digest }.into()));
}

/// A message to `contract` from `sender` carrying `data`.
fn message(
    contract: alloy_primitives::Address,
    sender: alloy_primitives::Address,
    data: Vec<u8>,
) -> Message {
    Message {
        sender,
        value: U256::ZERO,
        contract,
        chain_id: CHAIN_ID,
        timestamp: NOW,
        data,
        reentrant: false,
    }
}

#[test]
fn artifact_manager_called_on_its_own_refuses_every_write() {
    let key = SessionKey::from_seed(1);
    let mut chain = Chain::new();
    let manager = chain.world.delegates.remove(&TEST_MANAGER).expect("the manager is loaded");
    let session = game_session(ALICE, &key);
    let refused: [(Vec<u8>, Error); 4] = [
        (
            onInstallCall { data: vec![session.clone()].abi_encode().into() }.abi_encode(),
            NotInitialized { account: ALICE }.into(),
        ),
        (enableSessionCall { session }.abi_encode(), NotInitialized { account: ALICE }.into()),
        (invalidateGrantsCall {}.abi_encode(), NotInitialized { account: ALICE }.into()),
        (revokeAllSessionsCall {}.abi_encode(), NotInitialized { account: ALICE }.into()),
    ];
    // Called directly, the manager runs on its own storage, where no account can ever be
    // installed: installing is the validator's alone.
    for (data, error) in refused {
        let outcome = manager.run(&message(TEST_MANAGER, ALICE, data), &mut chain.world).unwrap();
        assert!(!outcome.success);
        assert_eq!(Error::abi_decode(&outcome.output).unwrap(), error);
    }
    let data = onUninstallCall { data: Bytes::new() }.abi_encode();
    let outcome = manager.run(&message(TEST_MANAGER, ALICE, data), &mut chain.world).unwrap();
    assert_eq!(
        Error::abi_decode(&outcome.output).unwrap(),
        InvalidCalldata { selector: onUninstallCall::SELECTOR.into(), position: U256::ZERO }.into(),
        "the lifecycle is the validator's"
    );
    assert!(chain.world.storage.is_empty(), "the manager's own storage stays empty");
}

#[test]
fn artifact_executor_called_on_its_own_refuses_every_write() {
    let key = SessionKey::from_seed(1);
    let mut chain = Chain::new();
    let executor = chain.world.delegates.remove(&TEST_EXECUTOR).expect("the executor is loaded");
    let permission_id = game_session(ALICE, &key).permission_id(CHAIN_ID, TEST_EXECUTOR);
    let not_enabled: Error =
        SessionNotEnabled { permissionId: permission_id, account: ALICE }.into();
    let call_data = execute_single(GAME, 0, &move_data(1, 2));
    let refused: [Vec<u8>; 3] = [
        executeAsSessionCall {
            account: ALICE,
            permissionId: permission_id,
            callData: call_data.clone(),
        }
        .abi_encode(),
        executeAsSessionBySignatureCall {
            account: ALICE,
            permissionId: permission_id,
            nonce: U256::ZERO,
            deadline: U48::from(NOW + 60),
            callData: call_data,
            signature: Bytes::from(vec![0u8; 65]),
        }
        .abi_encode(),
        revokeSessionBySignatureCall {
            account: ALICE,
            permissionId: permission_id,
            deadline: U48::from(NOW + 60),
            signature: Bytes::from(vec![0u8; 65]),
        }
        .abi_encode(),
    ];
    // Called directly, the executor runs on its own storage, where no session can ever be
    // enabled: enabling is the manager's, under the validator.
    for data in refused {
        let outcome =
            executor.run(&message(TEST_EXECUTOR, key.address(), data), &mut chain.world).unwrap();
        assert!(!outcome.success);
        assert_eq!(Error::abi_decode(&outcome.output).unwrap(), not_enabled);
    }
    for data in [
        enableSessionCall { session: game_session(ALICE, &key) }.abi_encode(),
        onInstallCall { data: Bytes::new() }.abi_encode(),
    ] {
        let selector: [u8; 4] = data[..4].try_into().unwrap();
        let outcome = executor.run(&message(TEST_EXECUTOR, ALICE, data), &mut chain.world).unwrap();
        assert_eq!(
            Error::abi_decode(&outcome.output).unwrap(),
            InvalidCalldata { selector: selector.into(), position: U256::ZERO }.into(),
            "enabling and the lifecycle are not the executor's"
        );
    }
    assert!(chain.world.storage.is_empty(), "the executor's own storage stays empty");
}

#[test]
fn artifact_programs_refuse_a_reentrant_call_with_empty_revert_data() {
    let key = SessionKey::from_seed(1);
    let mut chain = Chain::new();
    chain.call(ALICE, onInstallCall { data: Bytes::new() }).unwrap();
    let permission_id =
        chain.call(ALICE, enableSessionCall { session: game_session(ALICE, &key) }).unwrap();
    let call_data = execute_single(GAME, 0, &move_data(1, 2));
    let data =
        executeAsSessionCall { account: ALICE, permissionId: permission_id, callData: call_data }
            .abi_encode();
    // A second real call into the module while it runs (account → module → account → module):
    // the SDK's entry refuses it before any of the module's code runs.
    let reentrant = Message { reentrant: true, ..message(MODULE, key.address(), data) };
    let outcome = chain.program.run(&reentrant, &mut chain.world).unwrap();
    assert_eq!((outcome.success, outcome.output.len()), (false, 0));
    assert!(outcome.calls.is_empty() && outcome.slots.is_empty());
    for program in [TEST_MANAGER, TEST_EXECUTOR] {
        let delegate = chain.world.delegates.remove(&program).unwrap();
        let outcome = delegate.run(&reentrant, &mut chain.world).unwrap();
        assert_eq!((outcome.success, outcome.output.len()), (false, 0));
        chain.world.delegates.insert(program, delegate);
    }
    // Not reentrant, the same call runs.
    chain.world.frame = Message { reentrant: false, ..reentrant };
    let outcome = chain.program.run(&chain.world.frame.clone(), &mut chain.world).unwrap();
    assert!(outcome.success, "{:?}", Error::abi_decode(&outcome.output));
}

#[test]
fn artifact_programs_link_no_panic() {
    // Every data byte is paid on every call (0.75 gas), and a reachable panic links std's
    // panic handler and formatting code with their strings and tables. Slice helpers whose
    // bounds the compiler cannot prove (`split_last_chunk`, `last_chunk`) bring `mid > len`
    // along, `Vec::with_capacity` its `capacity overflow`: the programs use the checked
    // forms and `session_core::codec::buffer` instead (docs/gas-and-size.md).
    for (program, code) in [
        ("validator", support::chain::deployed_code()),
        ("manager", support::chain::manager_code()),
        ("executor", support::chain::executor_code()),
    ] {
        let wasm = stylus_artifact::decompress(&code).unwrap();
        let has = |needle: &[u8]| wasm.windows(needle.len()).any(|window| window == needle);
        for panic in [&b"mid > len"[..], b"capacity overflow", b"/rustc/", b"panicked"] {
            assert!(!has(panic), "{program}: {}", String::from_utf8_lossy(panic));
        }
    }
    // The manager's address, compiled into the validator (its zero bytes left to zeroed
    // memory): the check reads the data it means to.
    let validator = stylus_artifact::decompress(&support::chain::deployed_code()).unwrap();
    assert!(validator.windows(3).any(|window| window == &TEST_MANAGER[17..]));
}
