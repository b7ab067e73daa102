//! The module is three Stylus programs behind one address, built from this one crate:
//!
//! - the **validator** (the default build; the address accounts install) serves the hot path
//!   itself — `validateUserOp` in USE and ENABLE mode, `onInstall`/`onUninstall`,
//!   `isModuleType`, `isInitialized` — and owns all storage;
//! - the **manager** (`--features manager`) enables and ends sessions: `enableSession`, the
//!   sessions of `onInstall`, ENABLE mode's grant (checked and enabled, before the validator
//!   validates the operation under it), `removeSession`, `revokeSessionByKey`,
//!   `revokeAllSessions`, `invalidateGrants`, and the views;
//! - the **executor** (`--features executor`) serves what a session key does outside a
//!   UserOperation: `executeAsSession` and `executeAsSessionBySignature` (the executor path),
//!   `isValidSignatureWithSender` (ERC-1271/7739 session signatures),
//!   `revokeSessionBySignature` and `executionNonce`.
//!
//! The validator hands the other two their calls by DELEGATECALL, so they run on the
//! validator's storage, as the validator's address, for the validator's caller.
//!
//! Why three: a program's entry cost grows with its size (about 129 gas per KB of WASM and
//! 8.25 per function when not cached, on every call), and the one program had reached 90% of
//! Stylus's 24 KB limit. The validator carries only what a UserOperation needs; enabling a
//! session (decoding, hashing and storing it) and using one outside a UserOperation (calls,
//! relayed and ERC-7739 signatures) share little code, and together would not leave room for
//! the features to come.
//!
//! **How the validator finds them.** Their addresses are compiled into the validator
//! ([`MANAGER`] and [`EXECUTOR`], from `SMART_SESSIONS_MANAGER` and `SMART_SESSIONS_EXECUTOR`
//! at build time): both are deployed first, then the validator built for them (`make deploy`
//! does it all). No storage slot is read for them, so a delegatecall during validation
//! touches only the account's storage (ERC-7562 STO-021), and nobody can point the validator
//! at other code later: no program has an owner, an upgrade path or a setter. All three must
//! stay activated: Stylus programs expire 365 days after activation unless reactivated
//! (`make activate`), and a validator whose manager or executor expired still validates USE
//! operations but refuses everything it hands that program.
//!
//! **Why neither can be used on its own.** Called directly, a program runs on its *own*
//! storage, where no account is installed: installing is the validator's alone (`onInstall`
//! reaches the manager only to enable the sessions it carries, after the validator counted
//! the install). Every write the manager or the executor makes needs an installed account or
//! a live session of one, so a direct call is refused ([`NotInitialized`],
//! [`SessionNotEnabled`]) and its storage stays empty; their views answer as for an account
//! without the module.
//!
//! [`NotInitialized`]: session_core::interface::ISmartSessions::NotInitialized
//! [`SessionNotEnabled`]: session_core::interface::ISmartSessions::SessionNotEnabled

use alloy_primitives::Address;

/// The manager program's address, compiled in from `SMART_SESSIONS_MANAGER` (`0x` and 40 hex
/// digits); [`TEST_MANAGER`] when unset, as the in-process chains deploy it.
pub const MANAGER: Address = match option_env!("SMART_SESSIONS_MANAGER") {
    Some(hex) => parse_address(hex),
    None => TEST_MANAGER,
};

/// The executor program's address, compiled in from `SMART_SESSIONS_EXECUTOR`; [`TEST_EXECUTOR`]
/// when unset.
pub const EXECUTOR: Address = match option_env!("SMART_SESSIONS_EXECUTOR") {
    Some(hex) => parse_address(hex),
    None => TEST_EXECUTOR,
};

/// Where the in-process chains (tests, `make demo`, `make bench`) put the manager.
pub const TEST_MANAGER: Address =
    Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x5e, 0x55, 0x11]);

/// Where the in-process chains put the executor.
pub const TEST_EXECUTOR: Address =
    Address::new([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x5e, 0x55, 0x12]);

/// `0x` and 40 hex digits as an address, at compile time: anything else stops the build.
const fn parse_address(hex: &str) -> Address {
    let hex = hex.as_bytes();
    assert!(hex.len() == 42 && hex[0] == b'0' && hex[1] == b'x', "0x and 40 hex digits");
    let mut bytes = [0u8; 20];
    let mut i = 0;
    while i < 20 {
        bytes[i] = (nibble(hex[2 + 2 * i]) << 4) | nibble(hex[3 + 2 * i]);
        i += 1;
    }
    Address::new(bytes)
}

const fn nibble(digit: u8) -> u8 {
    match digit {
        b'0'..=b'9' => digit - b'0',
        b'a'..=b'f' => digit - b'a' + 10,
        b'A'..=b'F' => digit - b'A' + 10,
        _ => panic!("SMART_SESSIONS_MANAGER/EXECUTOR: not a hex digit"),
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::address;

    use super::*;

    #[test]
    fn parse_address_reads_mixed_case_hex() {
        assert_eq!(
            parse_address("0x00000000000000000000000000000000005E5511"),
            address!("00000000000000000000000000000000005e5511")
        );
        assert_eq!(
            parse_address("0xAbCdEf0123456789abcdef0123456789ABCDEF01"),
            address!("abcdef0123456789abcdef0123456789abcdef01")
        );
    }
}
