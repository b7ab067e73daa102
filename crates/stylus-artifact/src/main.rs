//! `stylus-artifact <program.wasm> [--out <code.bin>] [--headroom <percent>]`: writes the
//! deployable code and prints its size table; exits 1 when the program misses the budget.

use std::{env, fs, process::ExitCode};

use stylus_artifact::{deployable, SizeReport};

fn main() -> ExitCode {
    let mut args = env::args().skip(1);
    let (mut wasm_path, mut out, mut headroom) = (None, None, 20usize);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next(),
            "--headroom" => match args.next().and_then(|value| value.parse().ok()) {
                Some(value) if value < 100 => headroom = value,
                _ => return usage("--headroom takes a percentage below 100"),
            },
            _ if wasm_path.is_none() => wasm_path = Some(arg),
            _ => return usage(&format!("unexpected argument `{arg}`")),
        }
    }
    let Some(wasm_path) = wasm_path else { return usage("missing the .wasm path") };
    let wasm = match fs::read(&wasm_path) {
        Ok(wasm) => wasm,
        Err(error) => return usage(&format!("cannot read {wasm_path}: {error}")),
    };
    if let Some(out) = out {
        if let Err(error) = fs::write(&out, deployable(&wasm)) {
            return usage(&format!("cannot write {out}: {error}"));
        }
    }
    let report = SizeReport::measure(&wasm, headroom);
    println!("{report}");
    if report.fits() {
        ExitCode::SUCCESS
    } else {
        eprintln!("error: {wasm_path} does not fit the size budget");
        ExitCode::FAILURE
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("error: {problem}\nusage: stylus-artifact <program.wasm> [--out <code.bin>] [--headroom <percent>]");
    ExitCode::from(2)
}
