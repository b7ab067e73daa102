//! Strict ABI decoding of the module's call data, and the words its answers, logs and hashes
//! are built from.
//!
//! alloy's generic decoder, with the SDK router around it, costs more than the whole 24 KiB
//! budget leaves (see docs/gas-and-size.md); this reader is small and accepts exactly the canonical
//! encoding — every offset where the encoder puts it, every length exact, every word's unused
//! bits and padding zero, no trailing bytes — as alloy's strict mode does. Tests hold both to
//! the same answers.

use alloc::vec::Vec;

use alloy_primitives::{aliases::U48, keccak256, Address, FixedBytes, B256, U256};

use crate::interface::{
    Action, ArgRule, ChainDigest, Session, SessionGrant, SigningScope, TokenLimit,
};

/// A decoding failure: the byte position (in the caller's coordinates) where it failed.
pub type Position = usize;

/// Reads ABI words from `bytes`, which start at `base` in the caller's buffer.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    base: usize,
}

impl<'a> Reader<'a> {
    /// A reader over `bytes`, reporting positions as `base + offset`.
    #[inline]
    pub fn new(bytes: &'a [u8], base: usize) -> Self {
        Self { bytes, base }
    }

    /// The whole buffer.
    #[inline]
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The failure position of `offset`.
    #[inline]
    pub fn fail(&self, offset: usize) -> Position {
        self.base + offset
    }

    /// Succeeds when the encoding ends exactly at `end`: no bytes missing, none trailing.
    #[inline]
    pub fn end(&self, end: usize) -> Result<(), Position> {
        if end == self.bytes.len() {
            Ok(())
        } else {
            Err(self.fail(end.min(self.bytes.len())))
        }
    }

    /// The 32-byte word at `offset`.
    #[inline]
    pub fn word(&self, offset: usize) -> Result<&'a [u8; 32], Position> {
        offset
            .checked_add(32)
            .and_then(|end| self.bytes.get(offset..end))
            .and_then(|word| word.try_into().ok())
            .ok_or_else(|| self.fail(offset))
    }

    /// A `uintN` word: the value must fit in `bits` (at most 64).
    #[inline]
    pub fn uint_small(&self, offset: usize, bits: u32) -> Result<u64, Position> {
        let word = self.word(offset)?;
        let low = u64::from_be_bytes(array_at(word, 24));
        if word.iter().take(24).any(|&byte| byte != 0) || (bits < 64 && low >> bits != 0) {
            return Err(self.fail(offset));
        }
        Ok(low)
    }

    /// A `uint48` word.
    #[inline]
    pub fn uint48(&self, offset: usize) -> Result<U48, Position> {
        // The value fits (checked above), so wrapping never wraps; ruint's `From` would drag
        // its panic message formatting in.
        self.uint_small(offset, 48).map(U48::wrapping_from)
    }

    /// An offset or length word: canonical encoders never exceed 32 bits there.
    #[inline]
    pub fn length(&self, offset: usize) -> Result<usize, Position> {
        self.uint_small(offset, 32).map(|value| value as usize)
    }

    /// Checks that the offset word at `offset` points exactly at `expected`.
    #[inline]
    pub fn offset_is(&self, offset: usize, expected: usize) -> Result<(), Position> {
        if self.length(offset)? == expected {
            Ok(())
        } else {
            Err(self.fail(offset))
        }
    }

    /// A `uint256` word.
    #[inline]
    pub fn uint(&self, offset: usize) -> Result<U256, Position> {
        self.b256(offset).map(|word| U256::from_be_bytes(word.0))
    }

    /// A `bytes32` word.
    #[inline]
    pub fn b256(&self, offset: usize) -> Result<B256, Position> {
        self.word(offset).map(|word| B256::new(*word))
    }

    /// An `address` word: its 12 high bytes must be zero.
    #[inline]
    pub fn address(&self, offset: usize) -> Result<Address, Position> {
        let word = self.word(offset)?;
        if word.iter().take(12).any(|&byte| byte != 0) {
            return Err(self.fail(offset));
        }
        Ok(Address::new(array_at(word, 12)))
    }

    /// A `bytes4` word: its 28 low bytes must be zero.
    #[inline]
    pub fn bytes4(&self, offset: usize) -> Result<FixedBytes<4>, Position> {
        let word = self.word(offset)?;
        if word.iter().skip(4).any(|&byte| byte != 0) {
            return Err(self.fail(offset));
        }
        Ok(FixedBytes::new(array_at(word, 0)))
    }

    /// The `bytes` whose length word is at `offset`, and the bytes its encoding takes.
    #[inline]
    pub fn dynamic_bytes(&self, offset: usize) -> Result<(&'a [u8], usize), Position> {
        let length = self.length(offset)?;
        let start = offset + 32;
        let padded_length = length.div_ceil(32) * 32;
        let padded = start
            .checked_add(padded_length)
            .and_then(|end| self.bytes.get(start..end))
            .ok_or_else(|| self.fail(offset))?;
        let (bytes, padding) = padded.split_at_checked(length).ok_or_else(|| self.fail(offset))?;
        if padding.iter().any(|&byte| byte != 0) {
            return Err(self.fail(start + length));
        }
        Ok((bytes, 32 + padded_length))
    }

    /// The `N` `bytes` arguments that end the arguments: the last `N` of `heads` head words
    /// point at them, laid out one after the other right after the head (where the encoder
    /// puts them) and running to the end of the buffer.
    #[inline]
    pub fn trailing_bytes<const N: usize>(&self, heads: usize) -> Result<[&'a [u8]; N], Position> {
        let mut next = heads * 32;
        let mut all = [&[][..]; N];
        for (index, bytes) in all.iter_mut().enumerate() {
            self.offset_is((heads - N + index) * 32, next)?;
            let (found, size) = self.dynamic_bytes(next)?;
            *bytes = found;
            next += size;
        }
        self.end(next)?;
        Ok(all)
    }

    /// A [`Session`] tuple starting at `start`, and the bytes its encoding takes.
    #[inline]
    pub fn session(&self, start: usize) -> Result<(Session, usize), Position> {
        // Fifteen head words, then the five dynamic fields in order.
        let heads = 15 * 32;
        let mut next = heads;
        let actions = self.tail_tuples(start, 192, &mut next, 3, |reader, at| {
            Ok(Action {
                target: reader.address(at)?,
                selector: reader.bytes4(at + 32)?,
                maxValuePerCall: reader.uint(at + 64)?,
            })
        })?;
        let arg_rules = self.tail_tuples(start, 224, &mut next, 5, |reader, at| {
            Ok(ArgRule {
                target: reader.address(at)?,
                selector: reader.bytes4(at + 32)?,
                offset: reader.uint_small(at + 64, 16)? as u16,
                condition: reader.uint_small(at + 96, 8)? as u8,
                value: reader.b256(at + 128)?,
            })
        })?;
        let signing = self.tail_tuples(start, 256, &mut next, 2, |reader, at| {
            Ok(SigningScope { appDomain: reader.b256(at)?, contentsType: reader.b256(at + 32)? })
        })?;
        let token_limits = self.tail_tuples(start, 288, &mut next, 2, |reader, at| {
            Ok(TokenLimit { token: reader.address(at)?, maxAmount: reader.uint(at + 32)? })
        })?;
        let paymasters =
            self.tail_tuples(start, 320, &mut next, 1, |reader, at| reader.address(at))?;
        let session = Session {
            account: self.address(start)?,
            keyType: self.uint_small(start + 32, 8)? as u8,
            key: self.b256(start + 64)?,
            validAfter: self.uint48(start + 96)?,
            validUntil: self.uint48(start + 128)?,
            period: self.uint48(start + 160)?,
            actions,
            argRules: arg_rules,
            signing,
            tokenLimits: token_limits,
            paymasters,
            maxTotalValue: self.uint(start + 352)?,
            maxGasCostPerOp: self.uint(start + 384)?,
            maxUses: self.uint_small(start + 416, 64)?,
            salt: self.b256(start + 448)?,
        };
        Ok((session, next))
    }

    /// The arguments `(Session)`, ending the buffer.
    #[inline]
    pub fn session_call(&self) -> Result<Session, Position> {
        self.offset_is(0, 32)?;
        let (session, size) = self.session(32)?;
        self.end(32 + size)?;
        Ok(session)
    }

    /// `abi.encode(Session[])`, ending the buffer.
    #[inline]
    pub fn sessions(&self) -> Result<Vec<Session>, Position> {
        self.offset_is(0, 32)?;
        let count = self.length(32)?;
        // Element offsets count from the first head word and follow each other in order.
        let heads = 64;
        // A lying count fails here, before anything is allocated for it.
        let mut next = self.array_size(32, count, 32)? - 32;
        let mut sessions = buffer(count);
        for index in 0..count {
            self.offset_is(heads + index * 32, next)?;
            let (session, size) = self.session(heads + next)?;
            next += size;
            push_within(&mut sessions, session);
        }
        self.end(heads + next)?;
        Ok(sessions)
    }

    /// The arguments `(PackedUserOperation userOp, bytes32 userOpHash)`, ending the buffer.
    #[inline]
    pub fn user_operation_call(&self) -> Result<(UserOperation<'a>, B256), Position> {
        self.offset_is(0, 64)?;
        let user_op_hash = self.b256(32)?;
        let start = 64;
        // Nine head words; initCode, callData, paymasterAndData and signature follow in order.
        let mut next = 9 * 32;
        let mut tail = |head: usize| -> Result<&'a [u8], Position> {
            self.offset_is(start + head, next)?;
            let (bytes, size) = self.dynamic_bytes(start + next)?;
            next += size;
            Ok(bytes)
        };
        let _init_code = tail(64)?;
        let call_data = tail(96)?;
        let paymaster_and_data = tail(224)?;
        let signature = tail(256)?;
        // The nonce, gas limits, pre-verification gas and gas fees are any 32 bytes.
        let user_op = UserOperation {
            sender: self.address(start)?,
            call_data,
            account_gas_limits: self.b256(start + 128)?,
            pre_verification_gas: self.uint(start + 160)?,
            gas_fees: self.b256(start + 192)?,
            paymaster_and_data,
            signature,
        };
        self.end(start + next)?;
        Ok((user_op, user_op_hash))
    }

    /// `abi.encode(EnableSession)`, ending the buffer.
    #[inline]
    pub fn enable_request(&self) -> Result<EnableRequest<'a>, Position> {
        self.offset_is(0, 32)?;
        let start = 32;
        // Five head words; grant, chains and the two signatures follow in order.
        let mut next = 5 * 32;
        self.offset_is(start, next)?;
        let (grant, size) = self.grant(start + next)?;
        next += size;
        self.offset_is(start + 32, next)?;
        let (chains, size) = self.tuples(start + next, 2, |reader, at| {
            Ok(ChainDigest { chainId: reader.uint(at)?, grantDigest: reader.b256(at + 32)? })
        })?;
        next += size;
        let mut tail = |head: usize| -> Result<&'a [u8], Position> {
            self.offset_is(start + head, next)?;
            let (bytes, size) = self.dynamic_bytes(start + next)?;
            next += size;
            Ok(bytes)
        };
        let owner_signature = tail(96)?;
        let key_signature = tail(128)?;
        let request = EnableRequest {
            grant,
            chains,
            chain_index: self.uint(start + 64)?,
            owner_signature,
            key_signature,
        };
        self.end(start + next)?;
        Ok(request)
    }

    /// A [`SessionGrant`] tuple starting at `start`, and the bytes its encoding takes.
    #[inline]
    fn grant(&self, start: usize) -> Result<(SessionGrant, usize), Position> {
        let heads = 3 * 32;
        self.offset_is(start, heads)?;
        let (session, size) = self.session(start + heads)?;
        let grant = SessionGrant {
            session,
            nonce: self.uint(start + 32)?,
            deadline: self.uint48(start + 64)?,
        };
        Ok((grant, heads + size))
    }

    /// An array of static tuples of `words` words each (`Action[]`, `ArgRule[]`,
    /// `SigningScope[]`, `TokenLimit[]`, `ChainDigest[]`) whose length word is at `offset`, each element read by
    /// `read` at its first word, and the bytes the array's encoding takes.
    #[inline]
    fn tuples<T>(
        &self,
        offset: usize,
        words: usize,
        read: fn(&Self, usize) -> Result<T, Position>,
    ) -> Result<(Vec<T>, usize), Position> {
        let count = self.length(offset)?;
        let size = self.array_size(offset, count, words * 32)?;
        // Loops rather than `collect::<Result<Vec<_>, _>>()`, whose adapter is a sizeable
        // generic copy per element type.
        let mut elements = buffer(count);
        for index in 0..count {
            let element = read(self, offset + 32 + index * words * 32)?;
            push_within(&mut elements, element);
        }
        Ok((elements, size))
    }

    /// The array of static tuples a tuple at `start` points to from its head word `head`: it
    /// must start at `*next` (relative to `start`), which then moves past it.
    #[inline]
    fn tail_tuples<T>(
        &self,
        start: usize,
        head: usize,
        next: &mut usize,
        words: usize,
        read: fn(&Self, usize) -> Result<T, Position>,
    ) -> Result<Vec<T>, Position> {
        self.offset_is(start + head, *next)?;
        let (elements, size) = self.tuples(start + *next, words, read)?;
        *next += size;
        Ok(elements)
    }

    /// Bytes an array of `count` static elements of `element` bytes takes at `offset`, when
    /// the buffer holds them: a lying count fails here, before any work is spent on it.
    #[inline]
    fn array_size(&self, offset: usize, count: usize, element: usize) -> Result<usize, Position> {
        count
            .checked_mul(element)
            .and_then(|size| size.checked_add(32))
            .filter(|size| offset.checked_add(*size).is_some_and(|end| end <= self.bytes.len()))
            .ok_or_else(|| self.fail(offset))
    }
}

/// The `N` bytes of `word` from `start`: panic-free (and formatting-free) where
/// `start + N <= 32`, which every caller's constants satisfy.
#[inline]
pub fn array_at<const N: usize>(word: &[u8; 32], start: usize) -> [u8; N] {
    core::array::from_fn(|i| word[(start + i) % 32])
}

/// `value` as a `U256`, without ruint's generic (panicking, formatting) conversion.
#[inline]
pub fn u256(value: u128) -> U256 {
    U256::from_limbs([value as u64, (value >> 64) as u64, 0, 0])
}

/// ABI-encodes static return values: each value is one word.
#[inline]
pub fn words<const N: usize>(values: [B256; N]) -> Vec<u8> {
    // Copied whole, not concatenated: `concat` extends, and growing a vector links the
    // allocator's growth code into the program.
    joined(&[word_bytes(&values)])
}

/// An empty vector with room for `capacity` elements, taken from the global allocator
/// directly rather than through `Vec::with_capacity`.
///
/// Why: `Vec`'s capacity-overflow and allocation-failure panics are the only panics the
/// validator could reach, and reaching one links std's panic handler and formatting code in
/// (~1.5 KB of WASM and ~300 data bytes, the data paid on every call). Here an impossible
/// size or a failed allocation traps, as running out of gas would.
#[inline]
pub fn buffer<T>(capacity: usize) -> Vec<T> {
    let Ok(layout) = core::alloc::Layout::array::<T>(capacity) else { trap() };
    if layout.size() == 0 {
        return Vec::new();
    }
    // SAFETY: the layout's size is not zero.
    let pointer = unsafe { alloc::alloc::alloc(layout) }.cast::<T>();
    if pointer.is_null() {
        trap()
    }
    // SAFETY: `pointer` comes from the global allocator with the layout of `capacity` `T`s,
    // as `Vec` allocates it; it holds no element yet and nothing else owns it.
    unsafe { Vec::from_raw_parts(pointer, 0, capacity) }
}

/// Appends `element` if `vector` has room for it, never growing it (`push` without its growth
/// code and panics, see [`buffer`]); a vector from [`buffer`] sized for its elements always
/// has.
#[inline]
pub fn push_within<T>(vector: &mut Vec<T>, element: T) {
    if let Some(slot) = vector.spare_capacity_mut().first_mut() {
        slot.write(element);
        // SAFETY: the slot just written is the first past the length.
        unsafe { vector.set_len(vector.len() + 1) };
    }
}

/// `parts` laid end to end in a new vector (`concat` without its growth code and panics, see
/// [`buffer`]).
#[inline]
pub fn joined(parts: &[&[u8]]) -> Vec<u8> {
    let len = parts.iter().map(|part| part.len()).sum();
    let mut vector = buffer::<u8>(len);
    for part in parts {
        // SAFETY: the parts add up to the vector's capacity, `len`: each fits after the last.
        unsafe {
            let end = vector.as_mut_ptr().add(vector.len());
            core::ptr::copy_nonoverlapping(part.as_ptr(), end, part.len());
            vector.set_len(vector.len() + part.len());
        }
    }
    vector
}

/// Stops the program: a trap in WASM (the call reverts), a panic elsewhere.
fn trap() -> ! {
    #[cfg(target_arch = "wasm32")]
    core::arch::wasm32::unreachable();
    #[cfg(not(target_arch = "wasm32"))]
    panic!("out of memory")
}

/// An unsigned integer of up to 128 bits as an ABI word (no 256-bit arithmetic).
#[inline]
pub fn uint_word(value: u128) -> B256 {
    out_of_line_word::<16, true>(value.to_be_bytes())
}

/// An `address` as an ABI word (alloy's `into_word` copies through a panicking slice copy).
#[inline]
pub fn address_word(address: Address) -> B256 {
    out_of_line_word::<20, true>(address.0 .0)
}

/// A `bool` as an ABI word.
#[inline]
pub fn bool_word(value: bool) -> B256 {
    B256::with_last_byte(value as u8)
}

/// A `bytes4` as an ABI word (left-aligned).
#[inline]
pub fn bytes4_word(value: FixedBytes<4>) -> B256 {
    out_of_line_word::<4, false>(value.0)
}

/// `bytes` at the low (`RIGHT`) or high end of a zero word, out of line: the word helpers
/// above are called at every field rather than inlined at each (over a kilobyte of the
/// programs; docs/gas-and-size.md).
///
/// Generic so that it is compiled in the crate that calls it: a non-generic
/// `#[inline(never)]` function of this crate reaches the programs' crate as a bare
/// declaration, and every word it returned was then copied (hundreds of bytes per program).
#[inline(never)]
fn out_of_line_word<const N: usize, const RIGHT: bool>(bytes: [u8; N]) -> B256 {
    if RIGHT {
        right_aligned(bytes)
    } else {
        left_aligned(bytes)
    }
}

// Words are built from fixed-size arrays, never with `copy_from_slice` or range indexing:
// at `opt-level = "z"` those stay out-of-line calls whose length checks panic, and every one
// of them adds a panic location and keeps `core::fmt` in the binary.

/// `bytes` at the low (right) end of a zero word. `N <= 32` at every caller.
#[inline]
pub fn right_aligned<const N: usize>(bytes: [u8; N]) -> B256 {
    let mut word = B256::ZERO;
    if let Some(low) = word.0.last_chunk_mut::<N>() {
        *low = bytes;
    }
    word
}

/// `bytes` at the high (left) end of a zero word. `N <= 32` at every caller.
#[inline]
pub fn left_aligned<const N: usize>(bytes: [u8; N]) -> B256 {
    let mut word = B256::ZERO;
    if let Some(high) = word.0.first_chunk_mut::<N>() {
        *high = bytes;
    }
    word
}

/// `keccak256` of `words` laid end to end (`abi.encode` of static values, hashed).
#[inline]
pub fn hash_words(words: &[B256]) -> B256 {
    keccak256(word_bytes(words))
}

/// The bytes of `words` laid end to end, in place: hashed with no copy and no allocation.
#[inline]
pub fn word_bytes(words: &[B256]) -> &[u8] {
    // SAFETY: `B256` is `#[repr(transparent)]` over `[u8; 32]`, so `words` is
    // `words.len() * 32` initialized, contiguous bytes, borrowed as long as `words`.
    unsafe { core::slice::from_raw_parts(words.as_ptr().cast::<u8>(), words.len() * 32) }
}

/// ENABLE-mode data ([`EnableSession`](crate::interface::EnableSession)), its signatures
/// borrowed from the user operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnableRequest<'a> {
    /// The grant the owner signed.
    pub grant: SessionGrant,
    /// The signed chain list; empty when the owner signed the grant digest itself.
    pub chains: Vec<ChainDigest>,
    /// Which entry of `chains` is this chain.
    pub chain_index: U256,
    /// The owner's signature, for the account's ERC-1271 check.
    pub owner_signature: &'a [u8],
    /// The session key's signature over `userOpHash`.
    pub key_signature: &'a [u8],
}

/// The parts of a `PackedUserOperation` validation reads, borrowed from the call data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserOperation<'a> {
    /// The account the operation is for.
    pub sender: Address,
    /// The account call it asks for: `execute(bytes32,bytes)`.
    pub call_data: &'a [u8],
    /// `verificationGasLimit ‖ callGasLimit`, 16 bytes each.
    pub account_gas_limits: B256,
    /// Gas paid for outside the limits (calldata, bundling overhead).
    pub pre_verification_gas: U256,
    /// `maxPriorityFeePerGas ‖ maxFeePerGas`, 16 bytes each.
    pub gas_fees: B256,
    /// `paymaster ‖ verification gas limit ‖ post-op gas limit ‖ data`, or empty.
    pub paymaster_and_data: &'a [u8],
    /// The session-key signature (see [`crate::session_key`]).
    pub signature: &'a [u8],
}
