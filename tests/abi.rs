//! The module's ABI surface: ERC-7579 selectors, strict argument decoding (held to alloy's
//! strict decoder), refusal of unknown calls and of ether, and freshness of `abi/`.

use crate::support;

use alloy_primitives::{Address, Bytes, FixedBytes, B256, U256};
use alloy_sol_types::{abi::AbiDecoderConfig, SolCall, SolInterface, SolValue};
use proptest::prelude::*;
use session_core::interface::{
    Action, ArgRule, Error, ISmartSessions::*, PackedUserOperation, Session,
};
use stylus_smart_sessions::export::{json_abi, solidity_interface, typed_data_types};
use support::{
    evm::{IModule, IValidator},
    *,
};

#[test]
fn selectors_equal_the_erc7579_interfaces() {
    assert_eq!(onInstallCall::SELECTOR, IModule::onInstallCall::SELECTOR);
    assert_eq!(onUninstallCall::SELECTOR, IModule::onUninstallCall::SELECTOR);
    assert_eq!(isModuleTypeCall::SELECTOR, IModule::isModuleTypeCall::SELECTOR);
    assert_eq!(isInitializedCall::SELECTOR, IModule::isInitializedCall::SELECTOR);
    assert_eq!(validateUserOpCall::SELECTOR, IValidator::validateUserOpCall::SELECTOR);
    assert_eq!(
        isValidSignatureWithSenderCall::SELECTOR,
        IValidator::isValidSignatureWithSenderCall::SELECTOR
    );
    // The values every ERC-7579 account calls.
    assert_eq!(validateUserOpCall::SELECTOR, [0x97, 0x00, 0x32, 0x03]);
    assert_eq!(onInstallCall::SELECTOR, [0x6d, 0x61, 0xfe, 0x70]);
}

#[test]
fn is_module_type_is_true_only_for_validator_and_executor() {
    let mut harness = Harness::new();
    assert!(harness.call(ALICE, isModuleTypeCall { moduleTypeId: U256::from(1) }).unwrap());
    assert!(harness.call(ALICE, isModuleTypeCall { moduleTypeId: U256::from(2) }).unwrap());
    for other in [0u64, 3, 4, 7] {
        assert!(!harness
            .call(ALICE, isModuleTypeCall { moduleTypeId: U256::from(other) })
            .unwrap());
    }
}

#[test]
fn is_valid_signature_with_sender_refuses_every_signature() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    harness.install(ALICE);
    harness.enable(&game_session(ALICE, &key)).unwrap();
    let hash = B256::repeat_byte(0x55);
    let call = isValidSignatureWithSenderCall {
        sender: ALICE,
        hash,
        signature: key.sign(hash).to_vec().into(),
    };
    assert_eq!(harness.call(ALICE, call), Ok(FixedBytes::new([0xff; 4])));
}

#[test]
fn dispatch_fails_with_invalid_calldata_for_unknown_selectors_and_short_input() {
    let mut harness = Harness::new();
    for input in [vec![0xde, 0xad, 0xbe, 0xef], vec![0x6d, 0x61], vec![]] {
        let mut selector = [0u8; 4];
        if input.len() == 4 {
            selector.copy_from_slice(&input);
        }
        assert_eq!(
            decoded(harness.call_raw(ALICE, &input)),
            Err(InvalidCalldata { selector: selector.into(), position: U256::ZERO }.into()),
            "{input:?}"
        );
    }
}

#[test]
fn dispatch_refuses_ether() {
    let mut harness = Harness::new();
    harness.vm.inner.set_value(U256::from(1));
    let call = isInitializedCall { smartAccount: ALICE };
    assert_eq!(
        decoded(harness.call_raw(ALICE, &call.abi_encode())),
        Err(InvalidCalldata { selector: isInitializedCall::SELECTOR.into(), position: U256::ZERO }
            .into())
    );
}

#[test]
fn dispatch_fails_with_invalid_calldata_for_non_canonical_arguments() {
    let mut harness = Harness::new();
    let mut dirty_address = isInitializedCall { smartAccount: ALICE }.abi_encode();
    dirty_address[4] = 1;
    let mut trailing = isInitializedCall { smartAccount: ALICE }.abi_encode();
    trailing.push(0);
    let mut lying_offset = onInstallCall { data: Bytes::new() }.abi_encode();
    lying_offset[4 + 31] = 0x40;
    for (what, input, selector, position) in [
        ("dirty address word", dirty_address, isInitializedCall::SELECTOR, 4),
        ("trailing byte", trailing, isInitializedCall::SELECTOR, 36),
        ("offset past the head", lying_offset, onInstallCall::SELECTOR, 4),
    ] {
        assert_eq!(
            decoded(harness.call_raw(ALICE, &input)),
            Err(InvalidCalldata { selector: selector.into(), position: U256::from(position) }
                .into()),
            "{what}"
        );
    }
}

#[test]
fn abi_directory_is_fresh() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/abi");
    let stale = "abi/ is stale: run `make abi` and commit the result";
    assert_eq!(
        std::fs::read_to_string(format!("{dir}/ISmartSessions.sol")).expect(stale),
        solidity_interface(),
        "{stale}"
    );
    assert_eq!(
        std::fs::read_to_string(format!("{dir}/ISmartSessions.json")).expect(stale),
        json_abi(),
        "{stale}"
    );
    assert_eq!(
        std::fs::read_to_string(format!("{dir}/typed-data.json")).expect(stale),
        typed_data_types(),
        "{stale}"
    );
}

#[test]
fn published_typed_data_types_hash_to_the_modules_digests() {
    use alloy_primitives::aliases::U48;
    use session_core::interface::{SessionExecution, SessionGrant, SessionRevocation};
    use smart_session::typed_data::{
        execution_typed_data, grant_typed_data, revocation_typed_data,
    };

    let published: serde_json::Value = serde_json::from_str(&typed_data_types()).unwrap();
    // What a wallet holding only abi/typed-data.json signs: its types, the domain filled in
    // for this chain and deployment, and the message.
    let signed = |primary: &str, message: serde_json::Value| {
        let mut domain = published["domain"].clone();
        domain["chainId"] = CHAIN_ID.into();
        domain["verifyingContract"] = MODULE.to_string().into();
        let typed = serde_json::json!({
            "types": published["messages"][primary]["types"],
            "primaryType": primary,
            "domain": domain,
            "message": message,
        });
        serde_json::from_value::<alloy_dyn_abi::TypedData>(typed)
            .unwrap()
            .eip712_signing_hash()
            .unwrap()
    };
    let mut session = game_session(ALICE, &SessionKey::from_seed(1));
    session.paymasters = vec![Address::repeat_byte(0xa5)];
    let grant = SessionGrant { session, nonce: U256::from(3), deadline: U48::from(NOW + 60) };
    let message = grant_typed_data(&grant, CHAIN_ID, MODULE).message;
    assert_eq!(signed("SessionGrant", message), grant.digest(CHAIN_ID, MODULE));
    let id = B256::repeat_byte(7);
    let execution = SessionExecution {
        account: ALICE,
        permissionId: id,
        nonce: U256::from(1),
        deadline: U48::from(NOW),
        callData: execute_single(GAME, 0, &move_data(1, 1)),
    };
    let message = execution_typed_data(&execution, CHAIN_ID, MODULE).message;
    assert_eq!(signed("SessionExecution", message), execution.digest(CHAIN_ID, MODULE));
    let revocation =
        SessionRevocation { account: ALICE, permissionId: id, deadline: U48::from(NOW) };
    let message = revocation_typed_data(&revocation, CHAIN_ID, MODULE).message;
    assert_eq!(signed("SessionRevocation", message), revocation.digest(CHAIN_ID, MODULE));
    let chain_free = &published["messages"]["MultiChainGrant"]["types"]["EIP712Domain"];
    assert_eq!(chain_free.as_array().unwrap().len(), 2, "name and version only");
}

#[test]
fn exported_interface_names_the_structs() {
    let interface = solidity_interface();
    for needle in [
        "struct Session {",
        "function enableSession(Session memory session) external returns (bytes32 permissionId);",
        "function validateUserOp(PackedUserOperation memory userOp, bytes32 userOpHash)",
        "returns (SessionState memory state);",
        "Action[] actions;",
    ] {
        assert!(interface.contains(needle), "missing `{needle}` in\n{interface}");
    }
}

fn decoded(result: Result<Vec<u8>, Vec<u8>>) -> Result<Vec<u8>, Error> {
    result.map_err(|revert| Error::abi_decode(&revert).expect("a module error"))
}

fn strict() -> AbiDecoderConfig {
    AbiDecoderConfig::new().strict(true)
}

fn arb_session() -> impl Strategy<Value = Session> {
    (
        any::<[u8; 20]>(),
        any::<u8>(),
        any::<[u8; 32]>(),
        any::<u64>(),
        any::<u64>(),
        any::<u64>(),
        proptest::collection::vec(any::<([u8; 20], [u8; 4], [u8; 32])>(), 0..4),
        proptest::collection::vec(any::<([u8; 20], [u8; 4], u16, u8, [u8; 32])>(), 0..3),
        any::<[u8; 32]>(),
        any::<u64>(),
        any::<[u8; 32]>(),
        (proptest::collection::vec(any::<[u8; 20]>(), 0..3), any::<[u8; 32]>()),
    )
        .prop_map(
            |(
                account,
                key_type,
                key,
                after,
                until,
                period,
                actions,
                rules,
                total,
                uses,
                salt,
                (paymasters, gas),
            )| {
                Session {
                    account: Address::from(account),
                    keyType: key_type,
                    key: B256::from(key),
                    validAfter: alloy_primitives::aliases::U48::from(after >> 16),
                    validUntil: alloy_primitives::aliases::U48::from(until >> 16),
                    period: alloy_primitives::aliases::U48::from(period >> 16),
                    actions: actions
                        .into_iter()
                        .map(|(target, selector, value)| Action {
                            target: Address::from(target),
                            selector: FixedBytes::from(selector),
                            maxValuePerCall: U256::from_be_bytes(value),
                        })
                        .collect(),
                    argRules: rules
                        .into_iter()
                        .map(|(target, selector, offset, condition, value)| ArgRule {
                            target: Address::from(target),
                            selector: FixedBytes::from(selector),
                            offset,
                            condition,
                            value: B256::from(value),
                        })
                        .collect(),
                    signing: vec![],
                    tokenLimits: vec![],
                    paymasters: paymasters.into_iter().map(Address::from).collect(),
                    maxTotalValue: U256::from_be_bytes(total),
                    maxGasCostPerOp: U256::from_be_bytes(gas),
                    maxUses: uses,
                    salt: B256::from(salt),
                }
            },
        )
}

fn arb_user_op() -> impl Strategy<Value = PackedUserOperation> {
    let bytes = || proptest::collection::vec(any::<u8>(), 0..70).prop_map(Bytes::from);
    (any::<[u8; 20]>(), any::<[u8; 32]>(), bytes(), bytes(), bytes(), bytes()).prop_map(
        |(sender, word, init_code, call_data, paymaster, signature)| PackedUserOperation {
            sender: Address::from(sender),
            nonce: U256::from_be_bytes(word),
            initCode: init_code,
            callData: call_data,
            accountGasLimits: B256::from(word),
            preVerificationGas: U256::from_be_bytes(word),
            gasFees: B256::from(word),
            paymasterAndData: paymaster,
            signature,
        },
    )
}

fn mutate(
    mut data: Vec<u8>,
    flips: &[(prop::sample::Index, u8)],
    cut: Option<prop::sample::Index>,
) -> Vec<u8> {
    for (index, byte) in flips {
        let i = 4 + index.index(data.len() - 4);
        data[i] = *byte;
    }
    if let Some(cut) = cut {
        data.truncate(cut.index(data.len() + 1));
    }
    data
}

fn is_invalid_calldata(result: &Result<Vec<u8>, Vec<u8>>) -> bool {
    matches!(decoded(result.clone()), Err(Error::InvalidCalldata(_)))
}

proptest! {
    #[test]
    fn session_arguments_decode_as_alloy_strict_decodes_them(
        session in arb_session(),
        signer: [u8; 20],
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut harness = Harness::new();
        harness.install(ALICE);
        // A session the module accepts, so that decoding is what the mutations test.
        let mut session = session;
        session.account = ALICE;
        session.keyType = 0;
        let mut signer = signer;
        signer[19] |= 1;
        session.key = Address::from(signer).into_word();
        session.validUntil = session.validAfter + alloy_primitives::aliases::U48::from(1);
        session.maxUses = session.maxUses.max(1);
        session.actions.push(Action { target: GAME, selector: MOVE, maxValuePerCall: U256::ZERO });
        let input = mutate(enableSessionCall { session }.abi_encode(), &flips, cut);
        let result = harness.call_raw(ALICE, &input);
        match enableSessionCall::abi_decode_with_config(&input, strict()) {
            Ok(call) => match decoded(result) {
                Ok(output) => prop_assert_eq!(output, call.session.permission_id(CHAIN_ID, MODULE).to_vec()),
                Err(error) => prop_assert!(!matches!(error, Error::InvalidCalldata(_)), "{error:?}"),
            },
            Err(_) => prop_assert!(is_invalid_calldata(&result)),
        }
    }

    #[test]
    fn user_op_arguments_decode_as_alloy_strict_decodes_them(
        op in arb_user_op(),
        hash: [u8; 32],
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut harness = Harness::new();
        let call = validateUserOpCall { userOp: op, userOpHash: B256::from(hash) };
        let input = mutate(call.abi_encode(), &flips, cut);
        // Past decoding, validation refuses (no session is enabled): what matters here is
        // whether decoding accepted the input.
        let result = harness.call_raw(ALICE, &input);
        let alloy_accepts = validateUserOpCall::abi_decode_with_config(&input, strict()).is_ok();
        prop_assert_eq!(!is_invalid_calldata(&result), alloy_accepts);
    }

    #[test]
    fn install_data_decodes_as_alloy_strict_decodes_it(
        sessions in proptest::collection::vec(arb_session(), 1..3),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..3),
    ) {
        let mut harness = Harness::new();
        let data = mutate([vec![0; 4], sessions.abi_encode()].concat(), &flips, None)[4..].to_vec();
        let result = harness.call(ALICE, onInstallCall { data: data.clone().into() });
        let alloy_accepts = Vec::<Session>::abi_decode_with_config(&data, strict()).is_ok();
        // Decoded sessions may still be refused for their content, never as install data.
        prop_assert_eq!(
            result.err() != Some(InvalidInstallData { account: ALICE }.into()),
            alloy_accepts
        );
    }
}

#[test]
fn getters_return_what_alloy_decodes() {
    let key = SessionKey::from_seed(1);
    let mut harness = Harness::new();
    harness.install(ALICE);
    let permission_id = harness.enable(&game_session(ALICE, &key)).unwrap();
    let raw = harness
        .call_raw(BOB, &getSessionCall { account: ALICE, permissionId: permission_id }.abi_encode())
        .unwrap();
    let state = getSessionCall::abi_decode_returns_validate(&raw).unwrap();
    assert_eq!(state.signer, key.address());
    assert_eq!(raw, state.abi_encode(), "the module encodes exactly as alloy does");
}
