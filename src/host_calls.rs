//! Calls out of the module through the hostios themselves, rather than the SDK's `call`,
//! `static_call` and `RawCall`: those return data in a vector from `Vec::with_capacity`, whose
//! panics would link std's panic handler and formatting into the programs (docs/gas-and-size.md),
//! and flush the storage cache whether or not the callee could see it. Callers flush
//! where it matters (a contract that may read the module back), never for a precompile.

use alloc::vec::Vec;

use alloy_primitives::{Address, B256};
use stylus_sdk::prelude::*;

/// How a call runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A plain call sending no value.
    Plain,
    /// A STATICCALL.
    Static,
    /// A DELEGATECALL: the callee runs on this program's storage (the validator handing a
    /// call on; in process the tests call the other program's code directly).
    #[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
    Delegate,
}

/// Calls `to` with `input`: its return data, or its revert data.
pub(crate) fn call<H: Host + ?Sized>(
    host: &H,
    kind: Kind,
    to: Address,
    input: &[u8],
) -> Result<Vec<u8>, Vec<u8>> {
    let (to, data, len, gas) = (to.as_ptr(), input.as_ptr(), input.len(), u64::MAX);
    let mut output_len = 0;
    // SAFETY: `to` and `input` are valid for their lengths during the call; the caller
    // flushed the storage cache if the callee may read or (delegate) write this storage.
    let status = unsafe {
        match kind {
            Kind::Plain => {
                host.call_contract(to, data, len, B256::ZERO.as_ptr(), gas, &mut output_len)
            }
            Kind::Static => host.static_call_contract(to, data, len, gas, &mut output_len),
            Kind::Delegate => host.delegate_call_contract(to, data, len, gas, &mut output_len),
        }
    };
    let output = return_data(host, output_len);
    if status == 0 {
        Ok(output)
    } else {
        Err(output)
    }
}

/// The one-word answer of a STATICCALL to `to` with `input` (a precompile, or an account's
/// ERC-1271): `None` when it fails or answers anything but 32 bytes. Read into a word on
/// the stack: no allocation at all on the validation path. Its own hostio call rather than
/// [`call`]'s: sharing that one's `match` links `call_contract` into the validator, which
/// must not even hold a call that could carry value (`tests/artifact.rs` lists its imports).
pub(crate) fn static_word<H: Host + ?Sized>(host: &H, to: Address, input: &[u8]) -> Option<B256> {
    let mut output_len = 0;
    // SAFETY: `to` and `input` are valid for their lengths during the call; a static call
    // cannot change this program's storage.
    let status = unsafe {
        host.static_call_contract(
            to.as_ptr(),
            input.as_ptr(),
            input.len(),
            u64::MAX,
            &mut output_len,
        )
    };
    if status != 0 || output_len != 32 {
        return None;
    }
    read_word(host)
}

/// The last call's `len` bytes of return data, in a [`buffer`](session_core::codec::buffer).
#[cfg(target_arch = "wasm32")]
fn return_data<H: Host + ?Sized>(_host: &H, len: usize) -> Vec<u8> {
    let mut output = session_core::codec::buffer(len);
    // SAFETY: the buffer has room for the `len` bytes asked for; the host writes at most that.
    unsafe {
        let written = stylus_sdk::hostio::read_return_data(output.as_mut_ptr(), 0, len);
        output.set_len(written.min(len));
    }
    output
}

/// The last call's return data, from the test host.
#[cfg(not(target_arch = "wasm32"))]
fn return_data<H: Host + ?Sized>(host: &H, len: usize) -> Vec<u8> {
    host.read_return_data(0, Some(len))
}

/// The last call's 32-byte answer, straight into a word on the stack.
#[cfg(target_arch = "wasm32")]
fn read_word<H: Host + ?Sized>(_host: &H) -> Option<B256> {
    let mut word = [0u8; 32];
    // SAFETY: `word` has room for the 32 bytes asked for.
    let written = unsafe { stylus_sdk::hostio::read_return_data(word.as_mut_ptr(), 0, 32) };
    (written == 32).then_some(B256::new(word))
}

/// The last call's 32-byte answer, from the test host.
#[cfg(not(target_arch = "wasm32"))]
fn read_word<H: Host + ?Sized>(host: &H) -> Option<B256> {
    host.read_return_data(0, Some(32)).first_chunk::<32>().map(|word| B256::new(*word))
}
