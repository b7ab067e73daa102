//! # Stylus Smart Sessions: the shared core
//!
//! The one definition of everything the module's three programs (the validator, the manager
//! and the executor), its client (`smart-session`) and the tests must agree on, with no Stylus SDK behind it:
//!
//! - [`interface`]: the `sol!` definition of everything ABI-visible, and the compact revert
//!   data of its errors;
//! - [`codec`]: the strict ABI reader of the module's call data, and the word helpers;
//! - [`calls`]: the ERC-7579 `execute` call data a session makes, decoded strictly;
//! - [`eip712`]: the hashing of what is signed — the permission id, grants, revocations,
//!   relayed executions;
//! - [`layout`]: the storage layout — slots, and the records packed into words;
//! - one home for each rule of a session: [`period`] (counting in periods), [`rule`] (the
//!   conditions of argument rules), [`session_key`] (key types and the key proof),
//!   [`webauthn`] and [`multisig`] (the layouts of those key types' signatures),
//!   [`erc20`] (the token calls that spend a budget), [`erc4337`] (validation data and the
//!   prefund) and [`erc7739`] (the session signature's layout).
//!
//! What needs the Stylus VM — storage and log hostios, calls, precompiles — stays in the
//! contract crate.
//!
//! **Every function the programs may call is `#[inline]`** (and the few kept out of line are
//! generic): rustc then compiles it in the programs' own crate, beside its callers, as when it
//! was theirs. A plain function of this crate reaches them as a bare declaration until link
//! time, where LTO no longer inlines or elides as it would have: compiled that way the manager
//! was 1.6 KB larger. `#[inline]` is a hint for the optimizer, which still keeps out of line
//! what is big or called from many places.

// `no_std` but in its own unit tests, which use proptest.
#![cfg_attr(not(test), no_std)]

#[macro_use]
extern crate alloc;

pub mod calls;
pub mod codec;
pub mod eip712;
pub mod erc20;
pub mod erc4337;
pub mod erc7739;
pub mod interface;
pub mod layout;
pub mod multisig;
pub mod period;
pub mod rule;
pub mod session_key;
pub mod webauthn;

/// How policies name the values of a session rule (`eq`, `p256`, `transfer`): the client reads
/// and writes them by keyword, the programs never.
pub trait Keyword: Sized + Copy + PartialEq + 'static {
    /// Every value, in the order people list them.
    const ALL: &'static [Self];

    /// The value's keyword.
    fn keyword(self) -> &'static str;

    /// The value named `keyword`.
    fn from_keyword(keyword: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|value| value.keyword() == keyword)
    }
}
