//! The executor path's module calls (the session key's own, or relayed with its signature) and
//! what they return: what `tests/e2e_executor.rs` and `tests/accounts.rs` send the module.

use alloy_primitives::{aliases::U48, Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolValue};
use session_core::interface::{ISmartSessions, SessionExecution};

use super::{SessionKey, CHAIN_ID, MODULE, NOW};

/// The module call by which `key` itself runs `call_data` for `account` (the executor path).
pub fn by_key(account: Address, id: B256, call_data: Bytes) -> Vec<u8> {
    ISmartSessions::executeAsSessionCall { account, permissionId: id, callData: call_data }
        .abi_encode()
}

/// The module call by which anyone runs `call_data` for `account` with `key`'s signature over
/// it (execution nonce `nonce`, valid an hour).
pub fn relayed(
    key: &SessionKey,
    account: Address,
    id: B256,
    nonce: u64,
    call_data: Bytes,
) -> Vec<u8> {
    let deadline = U48::from(NOW + 3_600);
    let execution = SessionExecution {
        account,
        permissionId: id,
        nonce: U256::from(nonce),
        deadline,
        callData: call_data.clone(),
    };
    let signature = key.sign(execution.digest(CHAIN_ID, MODULE));
    ISmartSessions::executeAsSessionBySignatureCall {
        account,
        permissionId: id,
        nonce: U256::from(nonce),
        deadline,
        callData: call_data,
        signature: signature.to_vec().into(),
    }
    .abi_encode()
}

/// What the account's `executeFromExecutor` returns for one `move`: the player's move count.
pub fn one_return(moves: u64) -> Vec<u8> {
    ISmartSessions::executeAsSessionCall::abi_encode_returns(&vec![Bytes::from(
        U256::from(moves).abi_encode(),
    )])
}
