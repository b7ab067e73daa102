//! # Stylus Smart Sessions
//!
//! An ERC-7579 validator and executor module for Arbitrum Stylus: a smart account's owner
//! grants a session key a time-boxed, scoped permission; the module validates the session
//! key's UserOperations in `validateUserOp`, or runs its calls directly as the account's
//! executor.
//!
//! What the module shares with its client and the tests — the `sol!` definition of everything
//! ABI-visible, the strict codec, EIP-712 hashing, the storage layout and the session rules —
//! is the `session-core` crate; this crate is what runs on the Stylus VM.
//!
//! Reading order, as a call flows: [`SmartSessions::dispatch`] (selector → strict argument
//! decoding in `session_core::codec`) → [`validation`] (decode signature and call data → check
//! every call → account for the use and the spend → validation data), using [`session_key`]
//! to check the key's signature; [`executor`] runs the same checks for calls the key makes
//! without a bundler; [`erc7739`] answers ERC-1271 for the account with a session's ERC-7739
//! signatures; [`management`] enables and ends sessions, [`grant`] enables the owner's signed
//! grants; [`storage`] reads and writes the records `session_core::layout` lays out;
//! [`programs`] splits it all between the validator, the manager and the executor.

#![cfg_attr(target_arch = "wasm32", no_std)]
#![cfg_attr(target_arch = "wasm32", no_main)]

#[macro_use]
extern crate alloc;

mod erc7739;
mod events;
mod executor;
#[cfg(not(target_arch = "wasm32"))]
pub mod export;
mod grant;
mod management;
pub mod programs;
mod session_key;
mod storage;
mod validation;

use alloc::vec::Vec;

use alloy_primitives::{Address, U256};
use alloy_sol_types::SolCall;
use stylus_sdk::{host::VM, prelude::*, ArbResult};

use session_core::{
    codec::{address_word, bool_word, bytes4_word, u256, uint_word, words, Position, Reader},
    erc4337::SIG_VALIDATION_FAILED,
    interface::{self, Error, ISmartSessions},
    session_key::{parse_use, MODE_ENABLE},
};

use crate::{
    executor::RelayedExecution,
    grant::Granted,
    programs::{EXECUTOR, MANAGER},
    validation::{check_sender, SessionUse},
};

/// ERC-7579 module type id of a validator.
pub const MODULE_TYPE_VALIDATOR: u64 = 1;
/// ERC-7579 module type id of an executor.
pub const MODULE_TYPE_EXECUTOR: u64 = 2;

/// Why a call to the module reverts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revert {
    /// The module refused: one of its custom errors.
    Refused(Error),
    /// Revert data passed on unchanged: the account's on the executor path, or the
    /// manager's when the validator handed it the call.
    Data(Vec<u8>),
    /// The module's own call data is not a canonical encoding: the byte position where
    /// decoding failed (reverts with `InvalidCalldata` for the call's selector).
    Malformed(Position),
}

impl From<Position> for Revert {
    fn from(position: Position) -> Self {
        Self::Malformed(position)
    }
}

impl Revert {
    /// The data to revert with for a call with `input`.
    fn data(self, input: &[u8]) -> Vec<u8> {
        match self {
            Self::Refused(error) => interface::revert_data(&error),
            Self::Data(data) => data,
            Self::Malformed(position) => {
                let selector = input.first_chunk::<4>().copied().unwrap_or_default();
                let error = ISmartSessions::InvalidCalldata {
                    selector: selector.into(),
                    position: u256(position as u128),
                };
                interface::revert_data(&error.into())
            }
        }
    }
}

impl From<Error> for Revert {
    fn from(error: Error) -> Self {
        Self::Refused(error)
    }
}

/// The module. Its state lives in the six mappings `session_core::layout` lays out, read
/// and written through the storage hostios ([`storage`]).
#[storage]
pub struct SmartSessions {}

/// The program's entry: every call lands in [`SmartSessions::dispatch`] (the validator),
/// [`SmartSessions::manage`] (the manager, built with the `manager` feature) or
/// [`SmartSessions::execute`] (the executor, `executor` feature) with its raw call data. (A
/// private module, because the SDK's generated `user_entrypoint` export carries no docs.)
mod program {
    use super::*;

    #[entrypoint]
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    fn user_main(input: Vec<u8>, host: VM) -> ArbResult {
        // SAFETY: the module's storage is rooted at slot 0 and this is its only instance.
        let mut module = unsafe { <SmartSessions as StorageType>::new(U256::ZERO, 0, host) };
        #[cfg(feature = "manager")]
        return module.manage(&input);
        #[cfg(feature = "executor")]
        return module.execute(&input);
        #[cfg(not(any(feature = "manager", feature = "executor")))]
        module.dispatch(&input)
    }
}

impl SmartSessions {
    /// The validator program: runs one call of [`ISmartSessions`] and returns the ABI-encoded
    /// result, or the data to revert with (an ABI-encoded custom error, or revert data passed
    /// on unchanged). It serves the hot path itself — `validateUserOp` in USE mode and the
    /// ERC-7579 lifecycle — and hands every other call to the manager (see [`programs`]).
    pub fn dispatch(&mut self, input: &[u8]) -> ArbResult {
        self.route(input).map_err(|revert| revert.data(input))
    }

    /// The manager program: the calls the validator hands it (see [`programs`]).
    pub fn manage(&mut self, input: &[u8]) -> ArbResult {
        self.route_manager(input).map_err(|revert| revert.data(input))
    }

    /// The executor program: the calls the validator hands it (see [`programs`]).
    pub fn execute(&mut self, input: &[u8]) -> ArbResult {
        self.route_executor(input).map_err(|revert| revert.data(input))
    }

    /// What every program reads of a call first: its selector, a reader over its arguments and
    /// its caller. No function takes ether; it is refused as Solidity refuses it for
    /// non-payable functions.
    // Inlined into every route: out of line, returning the tuple through memory cost the
    // manager 74 bytes.
    #[inline(always)]
    fn open<'a>(&self, input: &'a [u8]) -> Result<([u8; 4], Reader<'a>, Address), Revert> {
        let selector = input.first_chunk::<4>().copied().unwrap_or_default();
        let args = Reader::new(input.get(4..).unwrap_or_default(), 4);
        if !self.vm().msg_value().is_zero() {
            return Err(Revert::Malformed(0));
        }
        Ok((selector, args, self.vm().msg_sender()))
    }

    fn route(&mut self, input: &[u8]) -> Result<Vec<u8>, Revert> {
        use ISmartSessions::*;

        let (selector, args, caller) = self.open(input)?;
        let static_args = |words: usize| args.end(words * 32);

        match selector {
            validateUserOpCall::SELECTOR => {
                let (user_op, user_op_hash) = args.user_operation_call()?;
                check_sender(caller, &user_op)?;
                let signature = user_op.signature;
                let (permission_id, proof, deadline, authorized) =
                    if let Some((permission_id, proof)) = parse_use(signature) {
                        (permission_id, proof, u64::MAX, true)
                    } else if signature.first() == Some(&MODE_ENABLE) {
                        // The manager checks and enables the grant; the operation is then
                        // validated here under it, as in USE mode.
                        let granted = Granted::decode(&self.forward(MANAGER, input)?);
                        let proof = granted.proof(signature);
                        (granted.permission_id, proof, granted.deadline, granted.owner_signed)
                    } else {
                        return Ok(words([SIG_VALIDATION_FAILED]));
                    };
                let session = self.live_session(caller, permission_id)?;
                let use_op = SessionUse { permission_id, session, deadline, authorized, proof };
                let validation_data = self.validate_use(caller, &user_op, user_op_hash, use_op)?;
                Ok(words([validation_data]))
            }
            onInstallCall::SELECTOR => {
                let [data] = args.trailing_bytes(1)?;
                self.install(caller)?;
                // Sessions to enable at install are the manager's to enable.
                if data.is_empty() {
                    return Ok(Vec::new());
                }
                self.forward(MANAGER, input)
            }
            onUninstallCall::SELECTOR => {
                args.trailing_bytes::<1>(1)?;
                self.uninstall(caller)?;
                Ok(Vec::new())
            }
            isModuleTypeCall::SELECTOR => {
                static_args(1)?;
                let module_type = args.uint(0)?;
                let known = [MODULE_TYPE_VALIDATOR, MODULE_TYPE_EXECUTOR]
                    .iter()
                    .any(|&known| module_type == u256(known.into()));
                Ok(words([bool_word(known)]))
            }
            isInitializedCall::SELECTOR => {
                static_args(1)?;
                let account = args.address(0)?;
                Ok(words([bool_word(self.account_state(account).installed())]))
            }
            executeAsSessionCall::SELECTOR
            | executeAsSessionBySignatureCall::SELECTOR
            | isValidSignatureWithSenderCall::SELECTOR
            | revokeSessionBySignatureCall::SELECTOR
            | executionNonceCall::SELECTOR => self.forward(EXECUTOR, input),
            _ => self.forward(MANAGER, input),
        }
    }

    /// Hands `input` to `program` (the manager or the executor): a DELEGATECALL on chain (its
    /// storage writes land here, `msg.sender` stays the caller), the program's code in process
    /// elsewhere. The storage cache is written out first and read afresh after.
    fn forward(&mut self, program: Address, input: &[u8]) -> Result<Vec<u8>, Revert> {
        #[cfg(target_arch = "wasm32")]
        {
            // The hostios themselves, as the SDK's `RawCall` would make them, without its
            // builder: written out and forgotten, the storage cache cannot go stale.
            let vm = self.vm();
            vm.flush_cache(true);
            let mut output_len = 0;
            // SAFETY: no storage reference of the SDK's is alive across the call; `program`
            // and `input` are valid for their lengths during it.
            let status = unsafe {
                vm.delegate_call_contract(
                    program.as_ptr(),
                    input.as_ptr(),
                    input.len(),
                    u64::MAX,
                    &mut output_len,
                )
            };
            let output = vm.read_return_data(0, None);
            if status == 0 {
                Ok(output)
            } else {
                Err(Revert::Data(output))
            }
        }
        #[cfg(not(target_arch = "wasm32"))]
        if program == MANAGER { self.manage(input) } else { self.execute(input) }
            .map_err(Revert::Data)
    }

    fn route_manager(&mut self, input: &[u8]) -> Result<Vec<u8>, Revert> {
        use ISmartSessions::*;

        let (selector, args, caller) = self.open(input)?;
        let static_args = |words: usize| args.end(words * 32);

        match selector {
            validateUserOpCall::SELECTOR => {
                // ENABLE mode's grant (see [`Granted`]); the validator validates the operation.
                let (user_op, _) = args.user_operation_call()?;
                Ok(self.enable_for_op(caller, &user_op)?.encode())
            }
            onInstallCall::SELECTOR => {
                let [data] = args.trailing_bytes(1)?;
                self.enable_at_install(caller, data)?;
                Ok(Vec::new())
            }
            enableSessionCall::SELECTOR => {
                let session = args.session_call()?;
                let permission_id = self.permission_id(&session);
                self.enable(caller, &session, permission_id)?;
                Ok(words([permission_id]))
            }
            removeSessionCall::SELECTOR => {
                static_args(1)?;
                self.remove(caller, args.b256(0)?)?;
                Ok(Vec::new())
            }
            revokeAllSessionsCall::SELECTOR => {
                static_args(0)?;
                self.revoke_all(caller)?;
                Ok(Vec::new())
            }
            revokeSessionByKeyCall::SELECTOR => {
                static_args(2)?;
                let account = args.address(0)?;
                let permission_id = args.b256(32)?;
                self.revoke_by_key(caller, account, permission_id)?;
                Ok(Vec::new())
            }
            getSessionCall::SELECTOR => {
                static_args(2)?;
                let account = args.address(0)?;
                let permission_id = args.b256(32)?;
                // `SessionState`, field by field; all zero unless the session is live.
                let live = self.live_instance(account, permission_id).is_some();
                let (record, terms) = if live {
                    let terms = self.session_terms(account, permission_id);
                    (self.session_record(account, permission_id), terms)
                } else {
                    Default::default()
                };
                Ok(words([
                    bool_word(live),
                    uint_word(record.key_type.code().into()),
                    address_word(record.signer),
                    uint_word(record.valid_after.into()),
                    uint_word(record.valid_until.into()),
                    uint_word(record.period.into()),
                    uint_word(record.period_index.into()),
                    uint_word(record.uses.into()),
                    uint_word(terms.max_uses.into()),
                    uint_word(record.spent),
                    uint_word(terms.max_total_value),
                ]))
            }
            getTokenBudgetCall::SELECTOR => {
                static_args(3)?;
                let account = args.address(0)?;
                let permission_id = args.b256(32)?;
                let budget = self.token_budget(account, permission_id, args.address(64)?);
                let instance = self.live_instance(account, permission_id);
                let live = instance.is_some_and(|instance| budget.is_of(instance));
                let budget = if live { budget } else { Default::default() };
                Ok(words([
                    uint_word(budget.spent),
                    uint_word(budget.max_amount),
                    uint_word(budget.period_index.into()),
                ]))
            }
            grantNonceCall::SELECTOR => {
                static_args(1)?;
                let account = args.address(0)?;
                Ok(words([uint_word(self.account_state(account).grant_nonce.into())]))
            }
            invalidateGrantsCall::SELECTOR => {
                static_args(0)?;
                self.invalidate_grants(caller)?;
                Ok(Vec::new())
            }
            _ => Err(Revert::Malformed(0)),
        }
    }
    fn route_executor(&mut self, input: &[u8]) -> Result<Vec<u8>, Revert> {
        use ISmartSessions::*;

        let (selector, args, caller) = self.open(input)?;
        let static_args = |words: usize| args.end(words * 32);

        match selector {
            executeAsSessionCall::SELECTOR => {
                let account = args.address(0)?;
                let permission_id = args.b256(32)?;
                let [call_data] = args.trailing_bytes(3)?;
                self.execute_as_session(caller, account, permission_id, call_data, None)
            }
            executeAsSessionBySignatureCall::SELECTOR => {
                let account = args.address(0)?;
                let permission_id = args.b256(32)?;
                let nonce = args.uint(64)?;
                let deadline = args.uint48(96)?;
                let [call_data, signature] = args.trailing_bytes(6)?;
                let relayed = RelayedExecution { nonce, deadline, signature };
                self.execute_as_session(caller, account, permission_id, call_data, Some(relayed))
            }
            isValidSignatureWithSenderCall::SELECTOR => {
                args.address(0)?;
                let hash = args.b256(32)?;
                let [signature] = args.trailing_bytes(3)?;
                Ok(words([bytes4_word(self.is_valid_signature(caller, hash, signature))]))
            }
            revokeSessionBySignatureCall::SELECTOR => {
                let account = args.address(0)?;
                let permission_id = args.b256(32)?;
                let deadline = args.uint48(64)?;
                let [signature] = args.trailing_bytes(4)?;
                self.revoke_by_signature(account, permission_id, deadline, signature)?;
                Ok(Vec::new())
            }
            executionNonceCall::SELECTOR => {
                static_args(2)?;
                let account = args.address(0)?;
                let permission_id = args.b256(32)?;
                Ok(words([self.execution_nonce(account, permission_id).into()]))
            }
            _ => Err(Revert::Malformed(0)),
        }
    }
}
