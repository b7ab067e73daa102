//! docs/node.md's examples: the node's banner, and the cast how-to run as written against a node (on a free port) with the cast
//! `make evm` installed: its output must be the one the page shows.

mod support;

use std::process::Command;

use support::{workspace, Node};

/// The first fenced block of `language` after `heading` in `page`.
fn block<'a>(page: &'a str, heading: &str, language: &str) -> &'a str {
    let section = &page[page.find(heading).unwrap_or_else(|| panic!("no {heading}"))..];
    let fence = format!("```{language}\n");
    let start = section.find(&fence).unwrap_or_else(|| panic!("no {language} block")) + fence.len();
    let length = section[start..].find("```").expect("a closed block");
    &section[start..start + length]
}

#[test]
fn the_docs_cast_how_to_reads_a_session_and_revokes_it() {
    let page = std::fs::read_to_string(workspace().join("docs/node.md")).expect("docs/node.md");
    let script = block(&page, "## With cast", "sh");
    let expected = block(&page, "## With cast", "text");
    let cast = workspace().join("tests/evm/node_modules/@foundry-rs/cast-linux-amd64/bin");
    assert!(cast.join("cast").exists(), "no cast in {}: run `make evm`", cast.display());
    let node = Node::start();
    // The page's banner is what the node prints.
    let banner = block(&page, "# The local node", "text");
    assert!(node.banner.starts_with(banner), "{}", node.banner);
    // The node the page starts with `make node` listens on 8547; this one on a free port.
    assert_eq!(node.address("module"), "0x00000000000000000000000000000000005E5510");
    assert_eq!(node.address("game"), "0x80ba8414F0B37280E0f2E0E3069c412CE25Bb75f");
    let script = script.replace("127.0.0.1:8547", &format!("127.0.0.1:{}", node.port));
    let path = format!("{}:{}", cast.display(), std::env::var("PATH").unwrap_or_default());
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("PATH", path)
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(stdout, expected);
}
