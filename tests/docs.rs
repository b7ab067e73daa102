//! The documentation's links: every relative link in README.md and docs/*.md leads to a file
//! or directory of the repository (and, for `#anchor` links, to a heading of the page), the
//! README lists every docs page, and every page links back to the README, so that moving text
//! between pages cannot leave a dead link behind.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// README.md and every docs/*.md, in a fixed order.
fn pages() -> Vec<PathBuf> {
    let mut docs: Vec<PathBuf> = std::fs::read_dir(Path::new(ROOT).join("docs"))
        .expect("docs/ exists")
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .collect();
    docs.sort();
    assert!(!docs.is_empty(), "docs/ holds pages");
    [vec![Path::new(ROOT).join("README.md")], docs].concat()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The page's lines outside fenced code blocks.
fn prose(text: &str) -> Vec<&str> {
    let mut fenced = false;
    text.lines()
        .filter(|line| {
            if line.trim_start().starts_with("```") {
                fenced = !fenced;
                return false;
            }
            !fenced
        })
        .collect()
}

/// `text` without its inline code spans (a run of n backticks up to the next run of exactly
/// n), which may hold `](` without being links.
fn without_code_spans(text: &str) -> String {
    let bytes = text.as_bytes();
    let run = |at: usize| bytes[at..].iter().take_while(|&&b| b == b'`').count();
    let (mut out, mut at) = (String::new(), 0);
    while at < bytes.len() {
        if bytes[at] != b'`' {
            let next = text[at..].find('`').map_or(bytes.len(), |i| at + i);
            out.push_str(&text[at..next]);
            at = next;
            continue;
        }
        let n = run(at);
        let mut close = at + n;
        while close < bytes.len() && !(bytes[close] == b'`' && run(close) == n) {
            close += if bytes[close] == b'`' { run(close) } else { 1 };
        }
        if close >= bytes.len() {
            out.push_str(&text[at..at + n]); // no closing run: literal backticks
            at += n;
        } else {
            out.push_str("CODE");
            at = close + n;
        }
    }
    out
}

/// The targets of the page's inline links, `[text](target)`, outside code.
fn link_targets(text: &str) -> Vec<String> {
    let prose = without_code_spans(&prose(text).join("\n"));
    prose
        .match_indices("](")
        .map(|(at, _)| {
            let rest = &prose[at + 2..];
            let target = &rest[..rest.find(')').expect("a link's target closes")];
            target.split_whitespace().next().unwrap_or("").to_string()
        })
        .collect()
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            '-' | '_' => Some(c),
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// The anchors of the page's headings (a repeated heading gets `-1`, `-2`, … as on GitHub).
fn anchors(text: &str) -> Vec<String> {
    let mut anchors: Vec<String> = Vec::new();
    for line in prose(text) {
        let level = line.chars().take_while(|&c| c == '#').count();
        if !(1..=6).contains(&level) || !line[level..].starts_with(' ') {
            continue;
        }
        let base = slug(&line[level..]); // backticks are punctuation: dropped, their text kept
        let repeats = anchors.iter().filter(|a| **a == base).count();
        anchors.push(if repeats == 0 { base.clone() } else { format!("{base}-{repeats}") });
    }
    anchors
}

#[test]
fn every_relative_link_leads_to_a_file_and_every_anchor_to_a_heading() {
    let mut checked = 0;
    let mut dead = Vec::new();
    for page in pages() {
        let text = read(&page);
        let name = page.strip_prefix(ROOT).unwrap().display().to_string();
        for target in link_targets(&text) {
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let file =
                if path.is_empty() { page.clone() } else { page.parent().unwrap().join(path) };
            checked += 1;
            if !file.exists() {
                dead.push(format!("{name}: `{target}`: no {}", file.display()));
            } else if !anchor.is_empty() {
                if file.extension().is_none_or(|ext| ext != "md") {
                    dead.push(format!(
                        "{name}: `{target}`: an anchor into a file that is not a page"
                    ));
                } else if !anchors(&read(&file)).iter().any(|a| a == anchor) {
                    dead.push(format!("{name}: `{target}`: no heading `#{anchor}`"));
                }
            }
        }
    }
    assert!(dead.is_empty(), "dead links:\n{}", dead.join("\n"));
    assert!(checked >= pages().len(), "only {checked} relative links found");
}

#[test]
fn the_readme_links_every_docs_page() {
    let readme = link_targets(&read(&Path::new(ROOT).join("README.md")));
    for page in &pages()[1..] {
        let target = format!("docs/{}", page.file_name().unwrap().to_str().unwrap());
        assert!(
            readme.iter().any(|link| link.split('#').next() == Some(target.as_str())),
            "README.md links {target}"
        );
    }
}

#[test]
fn every_docs_page_opens_with_a_title_and_a_link_back_to_the_readme() {
    for page in &pages()[1..] {
        let text = read(page);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("# "), "{} opens with its title", page.display());
        assert!(
            lines[2].contains("](../README.md)"),
            "{} has a one-line summary linking back to the README",
            page.display()
        );
    }
}

#[test]
fn the_link_reader_finds_links_and_skips_code() {
    let text = "[`abi/`](abi/) and `x](y)` then [a](b.md#c \"t\")\n```\n[no](pe)\n```\n";
    assert_eq!(link_targets(text), ["abi/", "b.md#c"]);
    assert_eq!(
        slug(" Validating a UserOperation (USE mode)"),
        "validating-a-useroperation-use-mode"
    );
    assert_eq!(anchors("# A\n## Gas\n```\n# not\n```\n## Gas\n"), ["a", "gas", "gas-1"]);
}
