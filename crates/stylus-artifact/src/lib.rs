//! The deployable form of a Stylus program and its size budget.
//!
//! Nitro stores a Stylus program as contract code `0xEF 0xF0 0x00 <dictionary>` followed by the
//! brotli-compressed WASM, and refuses code over 24,576 bytes (EIP-170's limit). This crate
//! compresses as `cargo stylus` does (quality 11, 2^22-byte window, no dictionary), builds that
//! code, and reports it against the limit.

use std::{fmt, io::Write};

/// Prefix of classic (single-account) Stylus code: EOF-style magic, version 0, no dictionary.
pub const PREFIX: [u8; 4] = [0xEF, 0xF0, 0x00, 0x00];
/// Largest contract code Nitro accepts, prefix included (EIP-170).
pub const MAX_CODE_SIZE: usize = 24_576;
/// Largest uncompressed WASM Nitro activates.
pub const MAX_WASM_SIZE: usize = 128 * 1024;

/// brotli quality `cargo stylus` compresses with.
const QUALITY: u32 = 11;
/// brotli window (log2) `cargo stylus` compresses with.
const WINDOW: u32 = 22;

/// Errors reading deployed code back.
#[derive(Debug)]
pub enum Error {
    /// The code does not start with [`PREFIX`].
    NotStylus,
    /// The compressed payload does not decompress.
    Corrupt(std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotStylus => write!(f, "code does not start with the Stylus prefix EF F0 00 00"),
            Self::Corrupt(error) => write!(f, "compressed program does not decompress: {error}"),
        }
    }
}

impl std::error::Error for Error {}

/// `wasm` brotli-compressed as `cargo stylus` compresses it.
pub fn compress(wasm: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, QUALITY, WINDOW);
        writer.write_all(wasm).expect("writing to a Vec cannot fail");
    }
    out
}

/// The contract code that deploys `wasm`: [`PREFIX`] then the compressed program.
pub fn deployable(wasm: &[u8]) -> Vec<u8> {
    [&PREFIX[..], &compress(wasm)].concat()
}

/// The WASM inside deployed contract `code`.
///
/// # Errors
/// [`Error::NotStylus`] without the prefix, [`Error::Corrupt`] when brotli refuses the payload.
pub fn decompress(code: &[u8]) -> Result<Vec<u8>, Error> {
    let payload = code.strip_prefix(&PREFIX).ok_or(Error::NotStylus)?;
    let mut wasm = Vec::new();
    brotli::BrotliDecompress(&mut &payload[..], &mut wasm).map_err(Error::Corrupt)?;
    Ok(wasm)
}

/// Sizes of one program against Nitro's limits and a headroom budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SizeReport {
    /// Uncompressed WASM bytes.
    pub wasm: usize,
    /// Deployed code bytes (prefix + brotli).
    pub code: usize,
    /// Share of [`MAX_CODE_SIZE`] to keep free, in percent.
    pub headroom_percent: usize,
}

impl SizeReport {
    /// Measures `wasm`.
    pub fn measure(wasm: &[u8], headroom_percent: usize) -> Self {
        Self { wasm: wasm.len(), code: deployable(wasm).len(), headroom_percent }
    }

    /// Most code bytes the headroom budget allows.
    pub fn budget(&self) -> usize {
        MAX_CODE_SIZE * (100 - self.headroom_percent) / 100
    }

    /// Whether the program deploys and keeps the headroom.
    pub fn fits(&self) -> bool {
        self.code <= self.budget() && self.wasm <= MAX_WASM_SIZE
    }
}

impl fmt::Display for SizeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let percent = |part: usize, whole: usize| part as f64 * 100.0 / whole as f64;
        writeln!(f, "| artifact | bytes | limit | used |")?;
        writeln!(f, "|---|---:|---:|---:|")?;
        writeln!(
            f,
            "| WASM (uncompressed) | {} | {} | {:.1}% |",
            self.wasm,
            MAX_WASM_SIZE,
            percent(self.wasm, MAX_WASM_SIZE)
        )?;
        writeln!(
            f,
            "| deployed code (EF F0 00 00 + brotli-11) | {} | {} | {:.1}% |",
            self.code,
            MAX_CODE_SIZE,
            percent(self.code, MAX_CODE_SIZE)
        )?;
        write!(
            f,
            "| budget ({}% headroom) | {} | {} | {} |",
            self.headroom_percent,
            self.code,
            self.budget(),
            if self.fits() { "fits" } else { "OVER" }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decompress_returns_what_deployable_compressed() {
        let wasm: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 251) as u8).collect();
        let code = deployable(&wasm);
        assert_eq!(&code[..4], &PREFIX);
        assert_eq!(decompress(&code).unwrap(), wasm);
    }

    #[test]
    fn decompress_fails_without_the_prefix() {
        assert!(matches!(decompress(&[0x60, 0x80]), Err(Error::NotStylus)));
        assert!(matches!(
            decompress(&[0xEF, 0xF0, 0x00, 0x00, 0xff, 0xff]),
            Err(Error::Corrupt(_))
        ));
    }

    #[test]
    fn size_report_fits_only_within_the_budget() {
        let report = SizeReport { wasm: 60_000, code: 19_660, headroom_percent: 20 };
        assert_eq!(report.budget(), 19_660);
        assert!(report.fits());
        assert!(!SizeReport { code: 19_661, ..report }.fits());
        assert!(!SizeReport { wasm: MAX_WASM_SIZE + 1, ..report }.fits());
    }
}
