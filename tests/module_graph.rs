//! No module circles: over the crate's `use` lines, the top-level modules form a DAG, and so do
//! the files of each folder among themselves. A circle means two things that cannot be read,
//! tested or changed one without the other; this keeps each concept where a newcomer would look.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The `use` declarations of a file outside its tests, joined to one line each.
fn use_lines(text: &str) -> Vec<String> {
    let code = text.split("#[cfg(test)]").next().unwrap_or("");
    let mut uses = Vec::new();
    let mut current: Option<String> = None;
    for line in code.lines().map(str::trim) {
        if let Some(open) = current.as_mut() {
            open.push_str(line);
            if line.ends_with(';') {
                uses.push(current.take().unwrap());
            }
        } else if line.starts_with("use ") || line.starts_with("pub use ") || line.starts_with("pub(crate) use ") {
            if line.ends_with(';') {
                uses.push(line.to_owned());
            } else {
                current = Some(line.to_owned());
            }
        }
    }
    uses
}

/// The first path segments a `use` names after `prefix` (`crate::`, `super::`).
fn named_after(line: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        rest = &rest[at + prefix.len()..];
        let mut heads: Vec<&str> = Vec::new();
        if let Some(group) = rest.strip_prefix('{') {
            // The group's top-level items: commas inside nested braces belong to an item.
            let (mut depth, mut start) = (0, 0);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        heads.push(group[start..i].trim().split("::").next().unwrap_or("").trim());
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        heads.push(group[start..i].trim().split("::").next().unwrap_or("").trim());
                        start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            heads.push(rest.split(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or(""));
        }
        names.extend(heads.into_iter().filter(|h| !h.is_empty() && *h != "self").map(str::to_owned));
    }
    names
}

fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|n| n == node) {
            let mut cycle = path[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph.keys().find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

/// Module → the modules it uses.
type Graph = BTreeMap<String, BTreeSet<String>>;

/// The top-level graph, and each folder's graph of its files.
fn graphs() -> (Graph, BTreeMap<String, Graph>) {
    let src = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/src"));
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut top = Graph::new();
    let mut folders: BTreeMap<String, Graph> = BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(src).unwrap();
        let parts: Vec<String> =
            relative.iter().map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned()).collect();
        if parts[0] == "bin" || parts[0] == "lib" {
            continue;
        }
        let module = parts[0].clone();
        let uses = use_lines(&std::fs::read_to_string(&file).unwrap());
        let entry = top.entry(module.clone()).or_default();
        for line in &uses {
            entry.extend(named_after(line, "crate::").into_iter().filter(|m| *m != module));
        }
        // Siblings in a folder, through `super::`; a folder's mod.rs only declares and re-exports.
        if parts.len() >= 2 && parts.last().unwrap() != "mod" {
            let folder = parts[..parts.len() - 1].join("/");
            let me = parts.last().unwrap().clone();
            let siblings = folders.entry(folder).or_default().entry(me.clone()).or_default();
            for line in &uses {
                siblings.extend(named_after(line, "super::").into_iter().filter(|m| *m != me));
            }
        }
    }
    (top, folders)
}

#[test]
fn the_top_level_modules_form_no_circle() {
    let (top, _) = graphs();
    assert!(top.len() > 10, "{top:?}");
    assert!(top["routes"].contains("store"), "the scan reads use lines: {:?}", top["routes"]);
    assert_eq!(find_cycle(&top), None, "{top:#?}");
}

#[test]
fn the_files_of_each_folder_form_no_circle() {
    let (_, folders) = graphs();
    assert!(folders["store"]["memberships"].contains("change"), "{:?}", folders["store"]["memberships"]);
    for (folder, graph) in &folders {
        // Names a file uses from its folder's mod.rs re-exports count as the folder itself.
        let graph: BTreeMap<String, BTreeSet<String>> = graph
            .iter()
            .map(|(file, uses)| (file.clone(), uses.iter().filter(|u| graph.contains_key(*u)).cloned().collect()))
            .collect();
        assert_eq!(find_cycle(&graph), None, "src/{folder}: {graph:#?}");
    }
}

#[test]
fn the_checker_finds_a_circle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a".to_owned(), ["b".to_owned()].into()),
        ("b".to_owned(), ["c".to_owned()].into()),
        ("c".to_owned(), ["a".to_owned()].into()),
    ]
    .into();
    assert_eq!(find_cycle(&graph), Some(vec!["a".into(), "b".into(), "c".into(), "a".into()]));
    assert_eq!(
        named_after("use crate::{auth::Caller, http::{ApiError, ApiRequest}};", "crate::"),
        ["auth".to_owned(), "http".to_owned()].into()
    );
}
