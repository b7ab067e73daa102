//! The scenario matrix on four real ERC-7579 accounts: OpenZeppelin's `AccountERC7579`, Nexus
//! 1.0.0, Kernel v3.1 and Safe7579 v1.0.0 on Safe 1.4.1 (`support::accounts`), each beside the
//! real EntryPoint v0.7 and the module's deployed artifact on the in-process chain. Every
//! scenario runs on every account (`oz::…`, `nexus::…`, `kernel::…`, `safe7579::…`); where an
//! account answers in its own words (a refusal it wraps, an error of its own), the test names
//! the account's exact answer.

use crate::support;

use alloy_primitives::{aliases::U48, Address, FixedBytes, B256, U256};
use alloy_sol_types::{SolCall, SolError};
use session_core::interface::{ISmartSessions, SessionGrant};
use smart_session::accounts::AccountKind;
use stylus_runtime::precompiles::ECRECOVER;
use support::{
    accounts::{uninstalled_refusal, validation_revert},
    erc7739::{
        mail_domain, mail_hash, personal_signature_under, typed_signature, typed_signature_under,
    },
    evm::{
        failed_op, failed_op_with_revert, EntryPointVersion, PackedUserOperation, World, BUNDLER,
    },
    execute_batch, execute_single, execution,
    executor::{by_key, one_return, relayed},
    move_data, SessionKey, CHAIN_ID, CLAIM, ETHER, MODULE, MOVE, NOW, TWO_HOURS,
};

/// Hands `op` to the EntryPoint and checks the module refused it with `error`: the
/// EntryPoint's "AA23 reverted" carries it (on Safe7579, the adapter's own error instead:
/// [`validation_revert`]), and the module's `validateUserOp` frame ended with it.
fn assert_refused(world: &mut World, op: PackedUserOperation, error: impl SolError) {
    let error = error.abi_encode();
    let expected = failed_op_with_revert(validation_revert(world.kind, error.clone()));
    assert_eq!(world.handle(op), Err(expected));
    let frame = world.last_validation().expect("the module validated");
    assert_eq!((frame.success, &frame.output), (false, &error));
}

/// ERC-1271's magic value, and its refusal.
const MAGIC: FixedBytes<4> = FixedBytes::new([0x16, 0x26, 0xba, 0x7e]);
const REFUSED: FixedBytes<4> = FixedBytes::new([0xff; 4]);

/// ERC-7562 on the whole validation of every operation recorded since `record_validations_of`:
/// every slot the account, its validators and the module touched is associated with the
/// account, and the module took part.
fn assert_validations_associated(world: &World, expected: usize) {
    let validations = world.chain.validations();
    assert_eq!(validations.len(), expected);
    for validation in validations {
        assert!(validation.accesses.iter().any(|(contract, _)| *contract == MODULE));
        assert_eq!(validation.unassociated(), vec![], "{:?}", world.kind);
    }
}

fn installs_the_module(kind: AccountKind) {
    let mut world = World::on(kind);
    let initialized = ISmartSessions::isInitializedCall { smartAccount: world.account };
    assert_eq!(world.call_module(BUNDLER, initialized.abi_encode()), Ok(false_word()));
    assert_eq!(world.install(1), Ok(()));
    assert_eq!(world.call_module(BUNDLER, initialized.abi_encode()), Ok(true_word()));
}

fn false_word() -> Vec<u8> {
    B256::ZERO.to_vec()
}

fn true_word() -> Vec<u8> {
    B256::with_last_byte(1).to_vec()
}

fn game_session_moves_pass_and_refusals(kind: AccountKind) {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = World::playing_on(kind, &key);
    let game = world.game;
    world.chain.record_validations_of(world.account);
    let paid = world.session_op(id, &key, execute_single(game, ETHER / 100, &move_data(1, 2)));
    assert_eq!(world.handle(paid), Ok(()));
    let free = world.session_op(id, &key, execute_single(game, 0, &move_data(2, 3)));
    assert_eq!(world.handle(free), Ok(()));
    assert_eq!(world.moves(), U256::from(2));
    assert_eq!(world.chain.balance(game), U256::from(ETHER / 100));
    assert_validations_associated(&world, 2);
    // ERC-7562 on the module's own frames: called by the account itself (Safe7579's Safe
    // included), it called nothing but the ecrecover precompile.
    let account = world.account;
    let selector = ISmartSessions::validateUserOpCall::SELECTOR;
    let frames = world.chain.stylus_frames().iter().filter(|frame| frame.selector == selector);
    let callers: Vec<_> = frames.clone().map(|frame| frame.caller).collect();
    assert_eq!(callers, [account, account]);
    assert!(frames.flat_map(|frame| &frame.calls).all(|call| call.to == ECRECOVER));

    let claim = world.session_op(id, &key, execute_single(game, 0, CLAIM.as_slice()));
    let not_allowed =
        ISmartSessions::ActionNotAllowed { permissionId: id, target: game, selector: CLAIM };
    assert_refused(&mut world, claim, not_allowed);
    let greedy =
        world.session_op(id, &key, execute_single(game, 2 * ETHER / 100, &move_data(1, 2)));
    let above = ISmartSessions::CallValueAboveLimit {
        target: game,
        selector: MOVE,
        value: U256::from(2 * ETHER / 100),
        limit: U256::from(ETHER / 100),
    };
    assert_refused(&mut world, greedy, above);
    let other = SessionKey::from_seed(2);
    let stolen = world.session_op(id, &other, execute_single(game, 0, &move_data(1, 2)));
    assert_eq!(world.handle(stolen), Err(failed_op("AA24 signature error")));
    world.chain.set_timestamp(NOW + TWO_HOURS + 1);
    let late = world.session_op(id, &key, execute_single(game, 0, &move_data(1, 2)));
    assert_eq!(world.handle(late), Err(failed_op("AA22 expired or not due")));
    assert_eq!(world.moves(), U256::from(2), "nothing refused was executed");
    assert_eq!(world.chain.balance(game), U256::from(ETHER / 100));
    // The refusals' validations, up to the module's revert, touched only associated slots.
    assert_validations_associated(&world, 6);
}

fn enables_through_its_erc1271(kind: AccountKind) {
    let key = SessionKey::from_seed(1);
    let mut world = World::installed_on(kind);
    let game = world.game;
    let grant = SessionGrant {
        session: world.game_session(&key),
        nonce: U256::ZERO,
        deadline: U48::from(NOW + 3600),
    };
    let digest = grant.digest(CHAIN_ID, MODULE);
    let id = grant.session.permission_id(CHAIN_ID, MODULE);
    let first_move = || execute_single(game, 0, &move_data(0, 0));

    // Another key signs in the owner's place, framed as the owner's would be: refused.
    let intruder = SessionKey::from_seed(9);
    let forged = kind
        .owner_signature(
            intruder.signer(),
            digest,
            world.account,
            CHAIN_ID,
            Some(world.owner_validator),
        )
        .unwrap();
    let op = world.enable_op(grant.clone(), forged, &key, first_move());
    world.chain.record_validations_of(world.account);
    assert_eq!(world.handle(op), Err(failed_op("AA24 signature error")));

    let signature = world.owner_signature(digest);
    let op = world.enable_op(grant.clone(), signature.clone(), &key, first_move());
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(1));
    // Into the module's ERC-1271 call: the account and its owner validator read only what is
    // associated with the account.
    assert_validations_associated(&world, 2);
    let record = world.chain.validations().last().unwrap();
    assert!(record.accesses.iter().any(|(contract, _)| *contract == world.owner_validator));

    let op = world.session_op(id, &key, execute_single(game, 0, &move_data(1, 1)));
    assert_eq!(world.handle(op), Ok(()));
    let replay = world.enable_op(grant, signature, &key, first_move());
    let used = ISmartSessions::GrantAlreadyUsed { grantDigest: digest };
    assert_refused(&mut world, replay, used);
    assert_eq!(world.moves(), U256::from(2));
}

fn batch_of_moves_passes_and_one_bad_call_refuses_it(kind: AccountKind) {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = World::playing_on(kind, &key);
    let game = world.game;
    world.chain.record_validations_of(world.account);
    let moves = execute_batch(&[
        execution(game, ETHER / 100, move_data(1, 1)),
        execution(game, 0, move_data(2, 2)),
    ]);
    let op = world.session_op(id, &key, moves);
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(2));
    assert_validations_associated(&world, 1);
    let sneaky =
        execute_batch(&[execution(game, 0, move_data(3, 3)), execution(game, 0, CLAIM.to_vec())]);
    let op = world.session_op(id, &key, sneaky);
    let not_allowed =
        ISmartSessions::ActionNotAllowed { permissionId: id, target: game, selector: CLAIM };
    assert_refused(&mut world, op, not_allowed);
    assert_eq!(world.moves(), U256::from(2));
}

fn revoke_all_ends_the_session(kind: AccountKind) {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = World::playing_on(kind, &key);
    let game = world.game;
    let op = world.session_op(id, &key, execute_single(game, 0, &move_data(1, 1)));
    assert_eq!(world.handle(op), Ok(()), "it played before");
    let revoke = ISmartSessions::revokeAllSessionsCall {}.abi_encode();
    assert_eq!(world.owner_op(execute_single(MODULE, 0, &revoke).to_vec()), Ok(()));
    world.chain.record_validations_of(world.account);
    let op = world.session_op(id, &key, execute_single(game, 0, &move_data(2, 2)));
    let gone = ISmartSessions::SessionNotEnabled { permissionId: id, account: world.account };
    assert_refused(&mut world, op, gone);
    assert_eq!(world.moves(), U256::from(1));
    assert_validations_associated(&world, 1);
}

fn uninstall_then_reinstall_starts_from_zero(kind: AccountKind) {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = World::playing_on(kind, &key);
    let game = world.game;
    assert_eq!(world.uninstall(1), Ok(()));
    let op = world.session_op(id, &key, execute_single(game, 0, &move_data(1, 1)));
    let gone = ISmartSessions::SessionNotEnabled { permissionId: id, account: world.account };
    assert_eq!(world.handle(op), Err(uninstalled_refusal(kind, gone.abi_encode())));
    assert_eq!(world.install(1), Ok(()));
    let op = world.session_op(id, &key, execute_single(game, 0, &move_data(1, 1)));
    let gone = ISmartSessions::SessionNotEnabled { permissionId: id, account: world.account };
    assert_refused(&mut world, op, gone);
    // A session enabled anew plays.
    let mut session = world.game_session(&key);
    session.salt = B256::repeat_byte(0x5a);
    let id = world.enable_by_owner(session);
    let op = world.session_op(id, &key, execute_single(game, 0, &move_data(1, 1)));
    assert_eq!(world.handle(op), Ok(()));
    assert_eq!(world.moves(), U256::from(1));
}

fn executor_path_plays_and_refuses(kind: AccountKind) {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = World::playing_on(kind, &key);
    world.install_executor();
    let (account, game) = (world.account, world.game);
    let paid = execute_single(game, ETHER / 100, &move_data(1, 2));
    assert_eq!(world.call_module(key.address(), by_key(account, id, paid)), Ok(one_return(1)));
    let signed = relayed(&key, account, id, 0, execute_single(game, 0, &move_data(2, 3)));
    assert_eq!(world.call_module(BUNDLER, signed), Ok(one_return(2)));
    assert_eq!(world.chain.balance(game), U256::from(ETHER / 100));
    let claim = by_key(account, id, execute_single(game, 0, CLAIM.as_slice()));
    let not_allowed =
        ISmartSessions::ActionNotAllowed { permissionId: id, target: game, selector: CLAIM };
    assert_eq!(world.call_module(key.address(), claim), Err(not_allowed.abi_encode()));
    let stranger = by_key(account, id, execute_single(game, 0, &move_data(1, 2)));
    let not_key = ISmartSessions::NotSessionKey { permissionId: id, caller: BUNDLER };
    assert_eq!(world.call_module(BUNDLER, stranger), Err(not_key.abi_encode()));
    assert_eq!(world.moves(), U256::from(2));
}

fn erc7739_session_signatures_through_is_valid_signature(kind: AccountKind) {
    let key = SessionKey::from_seed(1);
    let (mut world, id) = World::signing_on(kind, &key);
    world.chain.set_timestamp(NOW + 60);
    let Some(domain) = world.account_domain() else {
        // Safe 1.4.1 and its Safe7579 fallback answer no ERC-5267 `eip712Domain()`: the
        // module has no account domain to bind a session's signature to, and refuses every
        // one (here, one bound to the domain an OpenZeppelin account would report).
        assert_eq!(kind, AccountKind::Safe7579);
        let typed = typed_signature(&key, id, world.account, &mail_domain());
        assert_eq!(world.is_valid_signature(mail_hash(), &typed), REFUSED);
        return;
    };
    assert_eq!(domain.verifying_contract, Some(world.account));
    let typed = typed_signature_under(&key, id, &domain, &mail_domain());
    let (hash, personal) = personal_signature_under(&key, id, &domain, b"log in to the game");
    if kind == AccountKind::Kernel {
        // Kernel 3.1 hands its validators not the app's hash but its own wrapping of it
        // (`Kernel(bytes32 hash)` under its domain), which no ERC-7739 signature rebuilds.
        assert_eq!(world.is_valid_signature(mail_hash(), &typed), REFUSED);
        assert_eq!(world.is_valid_signature(hash, &personal), REFUSED);
        return;
    }
    assert_eq!(world.is_valid_signature(mail_hash(), &typed), MAGIC);
    assert_eq!(world.is_valid_signature(hash, &personal), MAGIC);

    // Signed under another account's domain (same key): refused. After expiry: refused.
    let mut elsewhere = domain.clone();
    elsewhere.verifying_contract = Some(Address::repeat_byte(0x77));
    let foreign = typed_signature_under(&key, id, &elsewhere, &mail_domain());
    assert_eq!(world.is_valid_signature(mail_hash(), &foreign), REFUSED);
    world.chain.set_timestamp(NOW + TWO_HOURS + 1);
    assert_eq!(world.is_valid_signature(mail_hash(), &typed), REFUSED);
}

/// The module's USE-mode `validateUserOp` does the same work whichever account calls it: its
/// frame costs the same gas on all four (what the accounts add is theirs: `handleOps`
/// differs).
#[test]
fn the_modules_validation_costs_the_same_on_every_account() {
    let key = SessionKey::from_seed(1);
    let mut costs = Vec::new();
    for kind in support::accounts::ALL {
        let (mut world, id) = World::playing_on(kind, &key);
        let op = world.session_op(id, &key, execute_single(world.game, 0, &move_data(1, 1)));
        let (result, handle_ops) = world.handle_with_gas(op);
        assert_eq!(result, Ok(()), "{kind:?}");
        let frame = world.last_validation().expect("the module validated");
        assert!(frame.success && frame.gas > frame.entry_gas, "{kind:?}: {frame:?}");
        costs.push((kind, frame.gas, handle_ops));
    }
    let module_gas = |(_, gas, _): &(AccountKind, u64, u64)| *gas;
    assert!(costs.iter().all(|cost| module_gas(cost) == module_gas(&costs[0])), "{costs:?}");
    assert!(costs.iter().any(|cost| cost.2 != costs[0].2), "the accounts differ: {costs:?}");
}

/// EntryPoint v0.8 (`@account-abstraction/contracts` 0.8.0) where the account takes its
/// EntryPoint as a constructor argument: Nexus 1.0.0 and Kernel v3.1 (OpenZeppelin's in
/// `tests/e2e.rs`); Safe7579 v1.0.0 trusts only v0.7's canonical address.
#[test]
fn nexus_and_kernel_play_through_entry_point_v08() {
    for kind in [AccountKind::Nexus, AccountKind::Kernel] {
        let key = SessionKey::from_seed(1);
        let mut world = World::build(kind, EntryPointVersion::V08);
        assert_eq!(world.install(1), Ok(()), "{kind:?}");
        let id = world.enable_by_owner(world.game_session(&key));
        let game = world.game;
        let op = world.session_op(id, &key, execute_single(game, ETHER / 100, &move_data(1, 2)));
        assert_eq!(world.handle(op), Ok(()), "{kind:?}");
        assert_eq!(world.moves(), U256::from(1), "{kind:?}");
        let claim = world.session_op(id, &key, execute_single(game, 0, CLAIM.as_slice()));
        let not_allowed =
            ISmartSessions::ActionNotAllowed { permissionId: id, target: game, selector: CLAIM };
        assert_refused(&mut world, claim, not_allowed);
    }
}

/// The matrix: every scenario above as a test of its own on each account, in a module named
/// after the account (`nexus::game_session_moves_pass_and_refusals`).
macro_rules! matrix {
    ($scenarios:tt on $($account:ident => $kind:expr),* $(,)?) => {
        $(matrix!(@account $account, $kind, $scenarios);)*
    };
    (@account $account:ident, $kind:expr, [$($scenario:ident),* $(,)?]) => {
        mod $account {
            use super::*;
            $(
                #[test]
                fn $scenario() {
                    super::$scenario($kind);
                }
            )*
        }
    };
}

matrix! {
    [
        installs_the_module,
        game_session_moves_pass_and_refusals,
        enables_through_its_erc1271,
        batch_of_moves_passes_and_one_bad_call_refuses_it,
        revoke_all_ends_the_session,
        uninstall_then_reinstall_starts_from_zero,
        executor_path_plays_and_refuses,
        erc7739_session_signatures_through_is_valid_signature,
    ] on
    oz => AccountKind::OpenZeppelin,
    nexus => AccountKind::Nexus,
    kernel => AccountKind::Kernel,
    safe7579 => AccountKind::Safe7579,
}
