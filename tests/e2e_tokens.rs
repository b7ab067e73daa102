//! ERC-20 budgets end to end on the in-process chain: OpenZeppelin's ERC-20 and account (EVM
//! bytecode) and the module's deployed artifact; tokens leave the account only within the
//! session's budget, through the EntryPoint and through the executor path alike.

use crate::support;

use alloy_primitives::{Address, Bytes, B256, U256};
use alloy_sol_types::{SolCall, SolError};
use session_core::interface::{
    Action,
    ISmartSessions::{executeAsSessionCall, TokenSpendLimitExceeded},
    TokenLimit,
};
use support::{
    evm::{failed_op_with_revert, World, IERC20},
    execute_single, SessionKey, BOB,
};

fn transfer(token: Address, amount: u64) -> Bytes {
    let call = IERC20::transferCall { to: BOB, amount: U256::from(amount) };
    execute_single(token, 0, &call.abi_encode())
}

/// The module installed as validator and executor; a session whose key may `transfer` the
/// token, at most 100 of it in all; the account holds 1,000.
fn budgeted(key: &SessionKey) -> (World, Address, B256) {
    let mut world = World::installed();
    world.install_executor();
    let token = world.deploy_token(U256::from(1_000));
    let mut session = world.game_session(key);
    session.actions = vec![Action {
        target: token,
        selector: IERC20::transferCall::SELECTOR.into(),
        maxValuePerCall: U256::ZERO,
    }];
    session.tokenLimits = vec![TokenLimit { token, maxAmount: U256::from(100) }];
    let id = world.enable_by_owner(session);
    (world, token, id)
}

#[test]
fn tokens_move_only_within_the_budget_on_both_paths() {
    let key = SessionKey::from_seed(1);
    let (mut world, token, id) = budgeted(&key);
    let account = world.account;

    let op = world.session_op(id, &key, transfer(token, 60));
    assert_eq!(world.handle(op), Ok(()));
    let call = executeAsSessionCall { account, permissionId: id, callData: transfer(token, 30) };
    assert!(world.call_module(key.address(), call.abi_encode()).is_ok());
    assert_eq!(world.token_balance(token, BOB), U256::from(90));

    let exceeded = TokenSpendLimitExceeded {
        permissionId: id,
        token,
        spent: U256::from(101),
        limit: U256::from(100),
    }
    .abi_encode();
    let op = world.session_op(id, &key, transfer(token, 11));
    assert_eq!(world.handle(op), Err(failed_op_with_revert(exceeded.clone())));
    let call = executeAsSessionCall { account, permissionId: id, callData: transfer(token, 11) };
    assert_eq!(world.call_module(key.address(), call.abi_encode()), Err(exceeded));

    let last = executeAsSessionCall { account, permissionId: id, callData: transfer(token, 10) };
    assert!(world.call_module(key.address(), last.abi_encode()).is_ok());
    assert_eq!(world.token_balance(token, BOB), U256::from(100));
    assert_eq!(world.token_balance(token, account), U256::from(900));
}
