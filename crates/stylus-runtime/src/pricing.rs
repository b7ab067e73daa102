//! What hostios, memory and entering a program cost on Nitro: ink for the host's own work,
//! gas for what the EVM side does (storage, calls, logs) and for memory pages.
//!
//! Sources, OffchainLabs/nitro v3.10 (unchanged at master 77eb073 for these files):
//! `arbitrator/arbutil/src/pricing.rs` and `arbitrator/wasm-libraries/user-host-trait/src/lib.rs`
//! (hostio ink), `arbitrator/arbutil/src/evm/storage.rs` (storage cache fees),
//! `arbos/programs/api.go` (EVM-side gas), `arbos/programs/memory.go` (pages),
//! `arbos/programs/programs.go` and `arbitrator/prover/src/binary.rs` (entry gas),
//! `arbos/programs/params.go` (defaults).

/// Ink per gas (`params.go`, `InkPrice` default).
pub const INK_PRICE: u64 = 10_000;

/// Every hostio's base price.
pub const HOSTIO_INK: u64 = 8_400;
/// A hostio writing a fixed-size value into WASM memory.
pub const PTR_INK: u64 = 5_040;
/// A hostio that crosses into the EVM (Go) side.
pub const EVM_API_INK: u64 = 59_673;

/// Gas for `ink`, rounding down as Nitro does when it converts the ink left back to gas.
pub const fn ink_to_gas(ink: u64) -> u64 {
    ink / INK_PRICE
}

/// Ink for the host to read `len` bytes out of WASM memory.
pub const fn read_price(len: u64) -> u64 {
    16_381 + 55 * len.saturating_sub(32)
}

/// Ink for the host to write `len` bytes into WASM memory.
pub const fn write_price(len: u64) -> u64 {
    5_040 + 30 * len.saturating_sub(32)
}

/// Ink to round up to gas: what a run of `ink` costs the caller in whole gas.
pub const fn ink_to_gas_ceil(ink: u64) -> u64 {
    ink.div_ceil(INK_PRICE)
}

/// `storage_load_bytes32` and `storage_cache_bytes32`: the hostio and two pointers.
pub const STORAGE_ACCESS_INK: u64 = HOSTIO_INK + 2 * PTR_INK;
/// Hostios that ask the EVM side something: `storage_flush_cache`, `emit_log`,
/// `read_return_data`.
pub const EVM_REQUEST_INK: u64 = HOSTIO_INK + EVM_API_INK;
/// `call_contract`, `static_call_contract`, `delegate_call_contract`.
pub const CALL_INK: u64 = HOSTIO_INK + 3 * PTR_INK + EVM_API_INK;
/// Getters writing an address or a word: `msg_sender`, `msg_value`, `contract_address`.
pub const POINTER_GETTER_INK: u64 = HOSTIO_INK + PTR_INK;

/// `native_keccak256` of `len` bytes (no hostio base: priced like the EVM's `KECCAK256`).
pub const fn keccak_ink(len: u64) -> u64 {
    121_800 + 21_000 * len.div_ceil(32).saturating_sub(2)
}

/// The storage cache's fee for its `n`th read in a frame (hit or miss).
pub const fn cache_read_gas(n: u64) -> u64 {
    match n {
        0..=32 => 0,
        33..=128 => 2,
        _ => 10,
    }
}

/// The storage cache's fee for its `n`th write in a frame.
pub const fn cache_write_gas(n: u64) -> u64 {
    match n {
        0..=8 => 0,
        9..=64 => 7,
        _ => 10,
    }
}

/// Gas of a storage read the cache misses: EIP-2929's access cost and the EVM request.
pub const fn storage_miss_gas(cold: bool) -> u64 {
    (if cold { 2_100 } else { 100 }) + ink_to_gas(EVM_API_INK)
}

/// Gas and refund of writing `new` over `present` (`original` at the transaction's start) at
/// flush: SSTORE under EIP-2200/2929/3529, as geth's `WasmStateStoreCost`.
pub fn store_gas(original: [u8; 32], present: [u8; 32], new: [u8; 32], cold: bool) -> (u64, i64) {
    const ZERO: [u8; 32] = [0; 32];
    let access = if cold { 2_100 } else { 0 };
    if present == new {
        return (access + 100, 0);
    }
    if original == present {
        if original == ZERO {
            return (access + 20_000, 0);
        }
        return (access + 2_900, if new == ZERO { 4_800 } else { 0 });
    }
    let mut refund = 0;
    if original != ZERO {
        if present == ZERO {
            refund -= 4_800;
        } else if new == ZERO {
            refund += 4_800;
        }
    }
    if original == new {
        refund += if original == ZERO { 19_900 } else { 2_800 };
    }
    (access + 100, refund)
}

/// Gas of a call before the callee runs: EIP-2929 access, value transfer, new account.
pub const fn call_base_gas(cold: bool, value: bool, to_empty: bool) -> u64 {
    100 + if cold { 2_500 } else { 0 }
        + if value { 9_000 } else { 0 }
        + if value && to_empty { 25_000 } else { 0 }
}

/// Gas of a log with `topics` topics and `len` bytes in all (topics included).
pub const fn log_gas(topics: u64, len: u64) -> u64 {
    375 * (1 + topics) + 8 * len.saturating_sub(32 * topics)
}

/// The least a run returning `len` bytes pays: the EVM's memory cost for them.
pub const fn return_data_gas(len: u64) -> u64 {
    let words = len.div_ceil(32);
    3 * words + words * words / 512
}

/// Pages free per transaction.
pub const FREE_PAGES: u64 = 2;
/// Gas per page opened beyond the free ones.
pub const PAGE_GAS: u64 = 1_000;

/// `exp[p]`: the exponential part of holding `p` pages at the transaction's high-water mark
/// (`memory.go`'s table, ⌊31,874,000^(p/128)⌋ as float64 computes it).
const PAGE_EXP: [u64; 129] = [
    1, 1, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 5, 5, 6, 7, 8, 9, 11, 12, 14, 17, 19, 22, 25, 29, 33, 38,
    43, 50, 57, 65, 75, 85, 98, 112, 128, 147, 168, 193, 221, 253, 289, 331, 379, 434, 497, 569,
    651, 745, 853, 976, 1117, 1279, 1463, 1675, 1917, 2194, 2511, 2874, 3290, 3765, 4309, 4932,
    5645, 6461, 7395, 8464, 9687, 11087, 12689, 14523, 16621, 19024, 21773, 24919, 28521, 32642,
    37359, 42758, 48938, 56010, 64104, 73368, 83971, 96106, 109994, 125890, 144082, 164904, 188735,
    216010, 247226, 282953, 323844, 370643, 424206, 485509, 555672, 635973, 727880, 833067, 953456,
    1091243, 1248941, 1429429, 1636000, 1872423, 2143012, 2452704, 2807151, 3212820, 3677113,
    4208502, 4816684, 5512756, 6309419, 7221210, 8264766, 9459129, 10826093, 12390601, 14181199,
    16230562, 18576084, 21260563, 24332984, 27849408, 31873999,
];

/// Gas of opening `new` pages when `open` are open and at most `ever` were in this
/// transaction (`MemoryModel.GasCost`); beyond 128 pages, all the gas there is.
pub fn memory_gas(new: u64, open: u64, ever: u64) -> u64 {
    let new_open = open.saturating_add(new);
    let new_ever = ever.max(new_open);
    if new_ever <= FREE_PAGES {
        return 0;
    }
    let exp = |pages: u64| PAGE_EXP.get(pages as usize).copied().unwrap_or(u64::MAX);
    let adding = new_open.saturating_sub(FREE_PAGES) - open.saturating_sub(FREE_PAGES);
    (adding * PAGE_GAS).saturating_add(exp(new_ever).saturating_sub(exp(ever)))
}

/// What activation records about a program, from which every call's entry gas follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivationCosts {
    /// Paid by calls to a program that is not cached.
    pub init: u64,
    /// Paid by every call.
    pub cached: u64,
    /// Initial memory pages.
    pub footprint: u64,
}

impl ActivationCosts {
    /// Gas to enter the program: its initial memory (as the transaction's first Stylus frame:
    /// no pages open before it), then `Program.cachedGas` and, unless cached,
    /// `Program.initGas` (default parameters: MinInitGas 69, MinCachedInitGas 11, both
    /// scalars 50, so each cost counts once).
    pub fn entry_gas(&self, cached: bool) -> u64 {
        let cached_gas = 11 * 32 + self.cached;
        let init_gas = if cached { 0 } else { 69 * 128 + self.init };
        memory_gas(self.footprint, 0, 0).saturating_add(cached_gas + init_gas)
    }
}

/// Activation's cost model (`binary.rs`): the program's shape as counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProgramShape {
    /// Locally defined functions.
    pub functions: u64,
    /// Parameters and results over the types of the local functions.
    pub type_len: u64,
    /// Bytes of the decompressed WASM.
    pub wasm_len: u64,
    /// Globals, the program's and the 4 Nitro adds.
    pub globals: u64,
    /// Bytes of the data and element segments, as encoded.
    pub data_len: u64,
    /// Initial memory pages.
    pub footprint: u64,
}

impl ProgramShape {
    /// The costs activation records for this shape (Stylus version 2 and later).
    pub const fn costs(&self) -> ActivationCosts {
        let cached = self.functions * 13_420 / 100_000
            + self.type_len * 89 / 100_000
            + self.wasm_len * 122 / 100_000
            + self.globals * 1_628 / 1_000
            + self.data_len * 75_244 / 100_000
            + 5 * self.footprint;
        let init = self.functions * 8_252 / 1_000
            + self.type_len * 1_059 / 1_000
            + self.wasm_len * 1_286 / 10_000;
        ActivationCosts { init, cached, footprint: self.footprint }
    }
}

impl ProgramShape {
    /// The shape of `wasm`, counted as activation counts it.
    ///
    /// # Errors
    /// wasmparser's, for WASM that does not parse.
    pub fn of(wasm: &[u8]) -> Result<Self, wasmparser::BinaryReaderError> {
        use wasmparser::{Parser, Payload, TypeRef};
        let mut shape = Self { wasm_len: wasm.len() as u64, globals: 4, ..Self::default() };
        let mut type_lens = Vec::new();
        for payload in Parser::new(0).parse_all(wasm) {
            match payload? {
                Payload::TypeSection(types) => {
                    for ty in types.into_iter_err_on_gc_types() {
                        let ty = ty?;
                        type_lens.push((ty.params().len() + ty.results().len()) as u64);
                    }
                }
                Payload::ImportSection(imports) => {
                    for import in imports {
                        shape.globals += u64::from(matches!(import?.ty, TypeRef::Global(_)));
                    }
                }
                Payload::FunctionSection(functions) => {
                    for ty in functions {
                        shape.functions += 1;
                        shape.type_len += type_lens.get(ty? as usize).copied().unwrap_or(0);
                    }
                }
                Payload::GlobalSection(globals) => shape.globals += u64::from(globals.count()),
                Payload::MemorySection(memories) => {
                    for memory in memories {
                        shape.footprint = memory?.initial;
                    }
                }
                Payload::DataSection(data) => {
                    for datum in data {
                        shape.data_len += datum?.range.len() as u64;
                    }
                }
                Payload::ElementSection(elements) => {
                    for element in elements {
                        shape.data_len += element?.range.len() as u64;
                    }
                }
                _ => {}
            }
        }
        Ok(shape)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growing_to_the_page_limit_costs_what_nitro_s_model_test_says() {
        // Nitro's TestModel: 0 → 128 pages in any step size costs 31,999,998 gas in all.
        for step in [1, 3, 8, 128] {
            let (mut open, mut ever, mut total) = (0, 0, 0);
            while open < 128 {
                let new = step.min(128 - open);
                total += memory_gas(new, open, ever);
                open += new;
                ever = ever.max(open);
            }
            assert_eq!(total, 31_999_998, "step {step}");
        }
        assert_eq!(memory_gas(2, 0, 0), 0);
        assert_eq!(memory_gas(1, 0, 0) + memory_gas(1, 1, 1), 0);
        assert_eq!(memory_gas(129, 0, 0), u64::MAX);
    }

    #[test]
    fn stores_cost_as_eip_2200_2929_3529() {
        let (zero, one, two) = ([0u8; 32], [1u8; 32], [2u8; 32]);
        assert_eq!(store_gas(zero, zero, one, true), (22_100, 0)); // fresh slot, cold
        assert_eq!(store_gas(one, one, two, false), (2_900, 0)); // dirtying a warm slot
        assert_eq!(store_gas(one, one, zero, false), (2_900, 4_800)); // clearing it
        assert_eq!(store_gas(one, two, one, false), (100, 2_800)); // restoring the original
        assert_eq!(store_gas(zero, one, zero, false), (100, 19_900)); // undoing a creation
        assert_eq!(store_gas(one, zero, two, false), (100, -4_800)); // re-filling a cleared slot
        assert_eq!(store_gas(one, one, one, true), (2_200, 0)); // no change
    }

    #[test]
    fn hostio_prices_match_nitro_s_constants() {
        assert_eq!(STORAGE_ACCESS_INK, 18_480);
        assert_eq!(EVM_REQUEST_INK, 68_073);
        assert_eq!(CALL_INK, 83_193);
        assert_eq!(POINTER_GETTER_INK, 13_440);
        assert_eq!(keccak_ink(64), 121_800);
        assert_eq!(keccak_ink(65), 142_800);
        assert_eq!(storage_miss_gas(true), 2_105);
        assert_eq!((cache_read_gas(32), cache_read_gas(33), cache_read_gas(129)), (0, 2, 10));
        assert_eq!((cache_write_gas(8), cache_write_gas(9), cache_write_gas(65)), (0, 7, 10));
        assert_eq!(log_gas(2, 64 + 96), 375 * 3 + 8 * 96);
    }
}
