//! Contracts as forge builds them: the artifacts the tests, the demo and the node deploy.

use std::path::Path;

/// The forge artifact (JSON) of `contract` compiled from the source whose path contains
/// `source`, searched for under `out` (forge's `out/`). Forge disambiguates equal file names
/// by directory; this does not guess: the artifact's compilation target must name `source`.
pub fn forge_artifact(out: &Path, source: &str, contract: &str) -> Option<serde_json::Value> {
    let name = format!("{contract}.json");
    for entry in std::fs::read_dir(out).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = forge_artifact(&path, source, contract) {
                return Some(found);
            }
        } else if path.file_name().is_some_and(|file| *file == *name) {
            let artifact: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).ok()?).ok()?;
            let target = &artifact["metadata"]["settings"]["compilationTarget"];
            if target.as_object()?.keys().any(|key| key.contains(source)) {
                return Some(artifact);
            }
        }
    }
    None
}

/// The creation code in a forge artifact ([`forge_artifact`]), if it has one.
pub fn creation_code(artifact: &serde_json::Value) -> Option<Vec<u8>> {
    revm::primitives::hex::decode(artifact["bytecode"]["object"].as_str()?).ok()
}
