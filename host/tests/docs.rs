//! The documentation tells the truth about what exists: every relative link in the README and
//! `docs/`, every repository path they name in backticks, and every `docs/*.md` the code cites
//! points to a file or folder that is in the repository.

use std::path::{Path, PathBuf};

/// The repository root (this crate is `host/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// The README and every Markdown file in `docs/`.
fn documents() -> Vec<PathBuf> {
    let root = root();
    let mut docs = vec![root.join("README.md")];
    for entry in std::fs::read_dir(root.join("docs")).expect("docs/ exists") {
        let path = entry.expect("a docs/ entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            docs.push(path);
        }
    }
    docs
}

/// The targets of `[text](target)` links that are neither URLs nor in-page anchors.
fn relative_links(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        rest = &rest[at + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = rest[..end].split('#').next().unwrap_or_default();
        if !target.is_empty() && !target.contains("://") {
            links.push(target.to_owned());
        }
    }
    links
}

/// Backticked words that name a path in the repository: they start with one of its top-level
/// folders (or are `docs/…`) and hold no wildcard or placeholder. Lines that name another
/// repository (`github.com/…`) cite its paths, not ours.
fn repository_paths(text: &str) -> Vec<String> {
    const TOPS: [&str; 10] = [
        "host/", "crates/", "testkit/", "plugins/", "rules/", "scripts/", "wit/", "docs/",
        "benches/", "fuzz/",
    ];
    let ours: String = text
        .lines()
        .filter(|line| !line.contains("github.com/"))
        .collect::<Vec<_>>()
        .join("\n");
    ours.split('`')
        .skip(1)
        .step_by(2)
        .filter(|word| TOPS.iter().any(|top| word.starts_with(top)))
        .filter(|word| !word.contains([' ', '*', '<', '>', '{', '…', '$', '=']))
        .filter(|word| !word.contains("/target/") && !word.starts_with("plugins/target"))
        .map(|word| word.trim_end_matches([':', ',', '.']).to_owned())
        .collect()
}

#[test]
fn every_link_and_named_path_in_the_docs_exists() {
    let root = root();
    let mut missing = Vec::new();
    for doc in documents() {
        let text = std::fs::read_to_string(&doc).expect("a readable document");
        let folder = doc.parent().expect("a document's folder");
        for link in relative_links(&text) {
            if !folder.join(&link).exists() {
                missing.push(format!("{}: link {link}", doc.display()));
            }
        }
        for path in repository_paths(&text) {
            if !root.join(&path).exists() {
                missing.push(format!("{}: path `{path}`", doc.display()));
            }
        }
    }
    assert!(missing.is_empty(), "missing:\n{}", missing.join("\n"));
}

#[test]
fn every_document_the_code_cites_exists() {
    let root = root();
    let mut missing = Vec::new();
    let mut stack = vec![
        root.join("host/src"),
        root.join("crates"),
        root.join("testkit"),
        root.join("plugins/sdk"),
    ];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target") {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).expect("a readable source file");
            for (at, _) in text.match_indices("docs/") {
                let cited: String = text[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || "/-_.".contains(*c))
                    .collect();
                let cited = cited.trim_end_matches('.');
                if cited.ends_with(".md") && !root.join(cited).exists() {
                    missing.push(format!("{}: {cited}", path.display()));
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "cited but missing:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_readme_stays_short() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let lines = readme.lines().count();
    assert!(
        lines <= 250,
        "README.md has {lines} lines; move the details into docs/"
    );
}
