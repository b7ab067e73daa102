//! Client library for Stylus Smart Sessions: everything off-chain code needs to produce exactly
//! what the module expects, built on `session-core`, the definitions the module's programs are
//! built on too: the `sol!` types (one source for every signed struct and type hash), the strict
//! readers, and the session rules (periods, argument conditions, key types, token calls).
//!
//! - [`policy`]: a policy file (TOML or JSON) → `Session` / `SessionGrant`: actions and their
//!   argument rules, caps, token budgets, signing scopes, recurring periods, the key type.
//! - [`typed_data`]: the owner's grant and the session key's relayed execution and revocation
//!   as `eth_signTypedData_v4` JSON.
//! - [`encode`]: USE and ENABLE signatures (with a periodic session's period index),
//!   `execute` calldata, the executor path's and the relayed revocation's module calls,
//!   secp256k1 and P-256 signing.
//! - [`calls`]: calls as people write them (`move(uint8,uint8)`, "0.01 ether") → calldata.
//! - [`inspect`]: any of the module's encodings, explained in words.
//! - [`erc1271`]: session signatures for the account (ERC-1271 through ERC-7739): an app's
//!   typed data or a personal message → the digest the session key signs and the signature.
//! - [`erc7715`]: ERC-7715 permission requests ↔ session policies.

pub mod accounts;
pub mod calls;
pub mod encode;
pub mod erc1271;
pub mod erc7715;
pub mod inspect;
mod key_proof;
mod keyword;
pub mod passkey;
pub mod policy;
pub mod typed_data;

pub use session_core::interface;
