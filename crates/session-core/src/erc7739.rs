//! Session signatures for the account (ERC-1271 through ERC-7739's nested EIP-712): what the
//! client builds and the manager checks. Layout, after the account has taken the module's
//! address off the front:
//!
//! ```text
//! personal message: 0x00 ‖ permissionId (32) ‖ key signature ‖ message
//! typed data:       0x01 ‖ permissionId (32) ‖ key signature ‖ appDomainSeparator (32) ‖
//!                   encodeData (32 · n) ‖ contentsDescr ‖ uint16(contentsDescr.length)
//! ```
//!
//! The key signature is as long as the session's key type signs (see
//! [`KeyType::signature_len`](crate::session_key::KeyType::signature_len)); a key type whose
//! signatures vary in length (WebAuthn, multisig) puts its length first, in 2 bytes (see
//! [`split_signature`](crate::session_key::split_signature)).

use alloy_primitives::B256;

use crate::eip712::const_keccak;

/// First byte of a session signature of a personal message.
pub const SIGNED_PERSONAL_MESSAGE: u8 = 0x00;
/// First byte of a session signature of typed data.
pub const SIGNED_TYPED_DATA: u8 = 0x01;

/// ERC-7739's wrapper type of personal messages.
pub const PERSONAL_SIGN_TYPE: &str = "PersonalSign(bytes prefixed)";
/// `keccak256` of [`PERSONAL_SIGN_TYPE`].
pub const PERSONAL_SIGN_TYPEHASH: B256 = const_keccak(PERSONAL_SIGN_TYPE);
/// What follows the contents name in ERC-7739's `TypedDataSign` type string:
/// `TypedDataSign(<contentsName>` ‖ this ‖ the contents' type.
pub const TYPED_DATA_SIGN_FIELDS: &str =
    " contents,string name,string version,uint256 chainId,address verifyingContract,bytes32 salt)";
