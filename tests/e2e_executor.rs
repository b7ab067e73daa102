//! The executor path end to end on the in-process chain: OpenZeppelin's `AccountERC7579` (EVM
//! bytecode, `make evm`) has the module (its deployed Stylus artifact, `make build`) installed
//! as validator and executor; the session key, or a relayer with its signature, sends plain
//! transactions to the module, which calls the account's `executeFromExecutor`. No EntryPoint,
//! no bundler.

use crate::support;

use alloy_primitives::{aliases::U48, U256};
use alloy_sol_types::{SolCall, SolError};
use session_core::interface::ISmartSessions::*;
use support::{
    evm::{World, BUNDLER},
    execute_single,
    executor::{by_key, one_return, relayed},
    move_data, SessionKey, CLAIM, ETHER, MODULE, MOVE, NOW, TWO_HOURS,
};

/// OpenZeppelin's `ERC7579UninstalledModule(uint256 moduleTypeId, address module)`.
mod oz {
    alloy_sol_types::sol! {
        error ERC7579UninstalledModule(uint256 moduleTypeId, address module);
    }
}

#[test]
fn the_key_plays_through_the_executor_path_and_funds_move_only_as_allowed() {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = World::playing(&key);
    world.install_executor();
    let (account, game) = (world.account, world.game);
    let account_balance = world.chain.balance(account);

    // The key itself, paying 0.01 ether from the account.
    let paid_move = execute_single(game, ETHER / 100, &move_data(1, 2));
    assert_eq!(world.call_module(key.address(), by_key(account, id, paid_move)), Ok(one_return(1)));
    // A relayer (here the bundler's address, as any other) with the key's signature.
    let free_move = execute_single(game, 0, &move_data(2, 3));
    let signed = relayed(&key, account, id, 0, free_move);
    assert_eq!(world.call_module(BUNDLER, signed.clone()), Ok(one_return(2)));
    assert_eq!(world.moves(), U256::from(2));
    assert_eq!(world.chain.balance(game), U256::from(ETHER / 100));
    assert_eq!(world.chain.balance(account), account_balance - U256::from(ETHER / 100));

    // Refusals: the module's own errors, and nothing moves.
    let refusals = [
        (
            BUNDLER,
            signed,
            ExecutionNonceInvalid { permissionId: id, expected: U256::from(1), nonce: U256::ZERO }
                .abi_encode(),
        ),
        (
            key.address(),
            by_key(account, id, execute_single(game, 2 * ETHER / 100, &move_data(1, 2))),
            CallValueAboveLimit {
                target: game,
                selector: MOVE,
                value: U256::from(2 * ETHER / 100),
                limit: U256::from(ETHER / 100),
            }
            .abi_encode(),
        ),
        (
            key.address(),
            by_key(account, id, execute_single(game, 0, CLAIM.as_slice())),
            ActionNotAllowed { permissionId: id, target: game, selector: CLAIM }.abi_encode(),
        ),
        (
            BUNDLER,
            by_key(account, id, execute_single(game, 0, &move_data(1, 2))),
            NotSessionKey { permissionId: id, caller: BUNDLER }.abi_encode(),
        ),
    ];
    for (from, call, error) in refusals {
        assert_eq!(world.call_module(from, call), Err(error));
    }
    assert_eq!(world.moves(), U256::from(2));
    assert_eq!(world.chain.balance(game), U256::from(ETHER / 100));

    // After two hours nothing works.
    world.chain.set_timestamp(NOW + TWO_HOURS + 1);
    let late = by_key(account, id, execute_single(game, 0, &move_data(1, 2)));
    assert_eq!(
        world.call_module(key.address(), late),
        Err(SessionExpired { permissionId: id, validUntil: U48::from(NOW + TWO_HOURS) }
            .abi_encode())
    );
    assert_eq!(world.moves(), U256::from(2));
}

#[test]
fn without_the_executor_install_the_accounts_refusal_comes_back_and_nothing_counts() {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = World::playing(&key);
    let (account, game) = (world.account, world.game);
    let call = by_key(account, id, execute_single(game, 0, &move_data(1, 2)));
    assert_eq!(
        world.call_module(key.address(), call),
        Err(oz::ERC7579UninstalledModule { moduleTypeId: U256::from(2), module: MODULE }
            .abi_encode())
    );
    assert_eq!(world.moves(), U256::ZERO);
    let state = getSessionCall { account, permissionId: id }.abi_encode();
    let state = world.call_module(BUNDLER, state).unwrap();
    let state = getSessionCall::abi_decode_returns(&state).unwrap();
    assert_eq!(state.uses, 0, "the module's writes were reverted with the call");
}

#[test]
fn the_key_logs_out_and_neither_path_works_after() {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = World::playing(&key);
    world.install_executor();
    let (account, game) = (world.account, world.game);
    let revoke = revokeSessionByKeyCall { account, permissionId: id }.abi_encode();
    assert_eq!(
        world.call_module(BUNDLER, revoke.clone()),
        Err(NotSessionKey { permissionId: id, caller: BUNDLER }.abi_encode()),
        "nobody else can"
    );
    assert_eq!(world.call_module(key.address(), revoke), Ok(Vec::new()));

    let gone = SessionNotEnabled { permissionId: id, account }.abi_encode();
    let call = by_key(account, id, execute_single(game, 0, &move_data(1, 2)));
    assert_eq!(world.call_module(key.address(), call), Err(gone.clone()));
    let op = world.session_op(id, &key, execute_single(game, 0, &move_data(1, 2)));
    assert_eq!(world.handle(op), Err(support::evm::failed_op_with_revert(gone)));
    assert_eq!(world.moves(), U256::ZERO);
}
