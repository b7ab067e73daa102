//! What the module verifies as EIP-712 typed data a wallet can show and sign
//! (`eth_signTypedData_v4`): the owner's grant, and the session key's relayed execution and
//! revocation. Built from the module's `sol!` types so the type strings cannot drift from the
//! contract's.

use alloy_dyn_abi::{Eip712Domain, Resolver, TypedData};
use alloy_primitives::{Address, U256};
use serde_json::{json, Value};
use session_core::{
    eip712::{DOMAIN_NAME, DOMAIN_VERSION},
    interface::{Action, Session, SessionExecution, SessionGrant, SessionRevocation},
};

/// The module's EIP-712 domain on `chain_id`.
pub fn domain(chain_id: u64, module: Address) -> Eip712Domain {
    Eip712Domain::new(
        Some(DOMAIN_NAME.into()),
        Some(DOMAIN_VERSION.into()),
        Some(U256::from(chain_id)),
        Some(module),
        None,
    )
}

fn action_json(action: &Action) -> Value {
    json!({
        "target": action.target.to_checksum(None),
        "selector": action.selector.to_string(),
        "maxValuePerCall": action.maxValuePerCall.to_string(),
    })
}

/// `session` as the typed data's message holds it (and as scripts read it): addresses
/// checksummed, bytes as 0x hex, `uint256` and `uint48` values as decimal strings, `keyType`,
/// an argument rule's `offset` and `condition` as numbers.
pub fn session_json(session: &Session) -> Value {
    json!({
        "account": session.account.to_checksum(None),
        "keyType": session.keyType,
        "key": session.key.to_string(),
        "validAfter": session.validAfter.to_string(),
        "validUntil": session.validUntil.to_string(),
        "period": session.period.to_string(),
        "actions": session.actions.iter().map(action_json).collect::<Vec<_>>(),
        "argRules": session.argRules.iter().map(|rule| json!({
            "target": rule.target.to_checksum(None),
            "selector": rule.selector.to_string(),
            "offset": rule.offset,
            "condition": rule.condition,
            "value": rule.value.to_string(),
        })).collect::<Vec<_>>(),
        "signing": session.signing.iter().map(|scope| json!({
            "appDomain": scope.appDomain.to_string(),
            "contentsType": scope.contentsType.to_string(),
        })).collect::<Vec<_>>(),
        "tokenLimits": session.tokenLimits.iter().map(|limit| json!({
            "token": limit.token.to_checksum(None),
            "maxAmount": limit.maxAmount.to_string(),
        })).collect::<Vec<_>>(),
        "paymasters": session.paymasters.iter().map(|p| p.to_checksum(None)).collect::<Vec<_>>(),
        "maxTotalValue": session.maxTotalValue.to_string(),
        "maxGasCostPerOp": session.maxGasCostPerOp.to_string(),
        "maxUses": session.maxUses.to_string(),
        "salt": session.salt.to_string(),
    })
}

/// `grant` as typed data under the module's domain on `chain_id`.
pub fn grant_typed_data(grant: &SessionGrant, chain_id: u64, module: Address) -> TypedData {
    TypedData {
        domain: domain(chain_id, module),
        resolver: Resolver::from_struct::<SessionGrant>(),
        primary_type: "SessionGrant".into(),
        message: json!({
            "session": session_json(&grant.session),
            "nonce": grant.nonce.to_string(),
            "deadline": grant.deadline.to_string(),
        }),
    }
}

/// `execution` (what the session key signs for `executeAsSessionBySignature`) as typed data
/// under the module's domain on `chain_id`.
pub fn execution_typed_data(
    execution: &SessionExecution,
    chain_id: u64,
    module: Address,
) -> TypedData {
    TypedData {
        domain: domain(chain_id, module),
        resolver: Resolver::from_struct::<SessionExecution>(),
        primary_type: "SessionExecution".into(),
        message: json!({
            "account": execution.account.to_checksum(None),
            "permissionId": execution.permissionId.to_string(),
            "nonce": execution.nonce.to_string(),
            "deadline": execution.deadline.to_string(),
            "callData": execution.callData.to_string(),
        }),
    }
}

/// `revocation` (what the session key signs for `revokeSessionBySignature`) as typed data
/// under the module's domain on `chain_id`.
pub fn revocation_typed_data(
    revocation: &SessionRevocation,
    chain_id: u64,
    module: Address,
) -> TypedData {
    TypedData {
        domain: domain(chain_id, module),
        resolver: Resolver::from_struct::<SessionRevocation>(),
        primary_type: "SessionRevocation".into(),
        message: json!({
            "account": revocation.account.to_checksum(None),
            "permissionId": revocation.permissionId.to_string(),
            "deadline": revocation.deadline.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{aliases::U48, B256};

    use super::*;
    use crate::{encode, policy::Policy};

    const GAME_POLICY: &str = r#"
        chain_id = 421614
        module = "0x5e55105e55105e55105e55105e55105e55105e55"
        account = "0xa11cea11cea11cea11cea11cea11cea11cea11ce"
        session_key = "0x47474747474747474747474747474747474747aa"
        valid_for = "2h"
        max_total_value = "0.1 ether"
        max_uses = 500
        [[actions]]
        target = "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e"
        function = "move(uint8,uint8)"
        max_value_per_call = "0.01 ether"
        [[actions]]
        target = "0x0000000000000000000000000000000000000b0b"
        [grant]
        valid_for = "1h"
    "#;

    #[test]
    fn typed_data_hashes_to_the_digest_the_module_computes() {
        let policy = Policy::parse(GAME_POLICY).unwrap();
        let grant = policy.grant(1_800_000_000).unwrap();
        let typed = grant_typed_data(&grant, policy.chain_id, policy.module);
        assert_eq!(
            typed.eip712_signing_hash().unwrap(),
            grant.digest(policy.chain_id, policy.module)
        );
        // What a wallet receives survives JSON and still hashes the same.
        let json = serde_json::to_string(&typed).unwrap();
        let back: TypedData = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back.eip712_signing_hash().unwrap(),
            grant.digest(policy.chain_id, policy.module)
        );
        assert!(json.contains("\"primaryType\":\"SessionGrant\""), "{json}");
    }

    #[test]
    fn typed_data_of_another_chain_hashes_differently() {
        let policy = Policy::parse(GAME_POLICY).unwrap();
        let grant = policy.grant(1_800_000_000).unwrap();
        let other = grant_typed_data(&grant, 42_161, policy.module);
        assert_ne!(
            other.eip712_signing_hash().unwrap(),
            grant.digest(policy.chain_id, policy.module)
        );
    }

    /// A wallet's view of `typed`: the JSON it receives, read back.
    fn through_json(typed: &TypedData) -> TypedData {
        serde_json::from_str(&serde_json::to_string(typed).unwrap()).unwrap()
    }

    /// The game policy's session, its key relaying a `move(3, 4)` with `nonce`.
    fn game_execution(policy: &Policy, nonce: u64) -> SessionExecution {
        let session = policy.session(1_800_000_000).unwrap();
        let game = "0x9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e9a3e".parse().unwrap();
        let data = crate::calls::function_data("", "move(uint8,uint8)", &["3".into(), "4".into()]);
        SessionExecution {
            account: session.account,
            permissionId: session.permission_id(policy.chain_id, policy.module),
            nonce: U256::from(nonce),
            deadline: U48::from(1_800_000_600u64),
            callData: encode::execute_single(game, U256::from(7), &data.unwrap()),
        }
    }

    #[test]
    fn execution_typed_data_hashes_to_the_module_digest_when_read_back_from_json() {
        let policy = Policy::parse(GAME_POLICY).unwrap();
        let execution = game_execution(&policy, 3);
        let typed = through_json(&execution_typed_data(&execution, policy.chain_id, policy.module));
        assert_eq!(typed.primary_type, "SessionExecution");
        assert_eq!(
            typed.eip712_signing_hash().unwrap(),
            execution.digest(policy.chain_id, policy.module)
        );
    }

    #[test]
    fn execution_typed_data_hashes_differently_when_the_nonce_moves_on() {
        let policy = Policy::parse(GAME_POLICY).unwrap();
        let (chain_id, module) = (policy.chain_id, policy.module);
        let next = execution_typed_data(&game_execution(&policy, 4), chain_id, module);
        assert_ne!(
            next.eip712_signing_hash().unwrap(),
            game_execution(&policy, 3).digest(chain_id, module)
        );
    }

    #[test]
    fn revocation_typed_data_hashes_to_the_module_digest_when_read_back_from_json() {
        let policy = Policy::parse(GAME_POLICY).unwrap();
        let (chain_id, module) = (policy.chain_id, policy.module);
        let revocation = SessionRevocation {
            account: policy.account,
            permissionId: B256::repeat_byte(0x77),
            deadline: U48::from(1_800_000_600u64),
        };
        let typed = through_json(&revocation_typed_data(&revocation, chain_id, module));
        assert_eq!(typed.primary_type, "SessionRevocation");
        assert_eq!(typed.eip712_signing_hash().unwrap(), revocation.digest(chain_id, module));
        let other_chain = revocation_typed_data(&revocation, 42_161, module);
        assert_ne!(other_chain.eip712_signing_hash().unwrap(), revocation.digest(chain_id, module));
    }
}
