//! The documentation's links resolve. Every relative link and image in the
//! repository's Markdown files (the README, `docs/` and any other) must point
//! at a file or folder of the repository, and a `#anchor` at a heading of the
//! page it names, by GitHub's rules for heading anchors. References to a
//! Markdown page from the code and scripts (a comment that says
//! `docs/api.md`, or a README anchor) are checked the same way, so that
//! moving a section breaks a test rather than a reader's link.
//!
//! `make lint` runs this file alone (`cargo test --test links`); `make test`
//! runs it with the others. It needs no service.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// Folders never searched: build output, installed tools, version control.
fn skipped(name: &str) -> bool {
    name.starts_with('.') || name == "target" || name == "node_modules"
}

/// Folders whose text files may name a Markdown page in their comments.
const CODE_DIRS: &[&str] = &["src", "tests", "bench", "examples", "scripts", ".ci"];
/// Files at the root that may name one too.
const CODE_FILES: &[&str] = &["Makefile", "Cargo.toml", "build.rs", "openapi.yaml", "template.yaml"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` (skipping [`skipped`] folders), sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|error| panic!("cannot list {}: {error}", dir.display()));
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry
                .file_type()
                .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            if kind.is_dir() {
                if !skipped(&name) {
                    pending.push(path);
                }
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn is_markdown(path: &Path) -> bool {
    path.extension().is_some_and(|extension| extension == "md")
}

fn read(path: &Path) -> String {
    let bytes = fs::read(path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The anchor GitHub gives a heading whose text is `text`: lower case, every
/// character that is not a letter, a digit, `-`, `_` or a space dropped,
/// spaces turned into `-` (github-slugger, which GitHub uses).
fn github_anchor(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' '))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// What one Markdown page offers and asks for.
#[derive(Default)]
struct Page {
    /// The anchors of its headings (repeated ones suffixed `-1`, `-2`…, as
    /// GitHub does) and of its HTML `id` and `name` attributes.
    anchors: HashSet<String>,
    /// Its links and images: (line, destination).
    links: Vec<(usize, String)>,
}

impl Page {
    fn parse(text: &str) -> Self {
        let mut page = Self::default();
        let mut seen: HashMap<String, usize> = HashMap::new();
        let mut heading: Option<String> = None;
        let line_of = |offset: usize| text[..offset].matches('\n').count() + 1;
        for (event, range) in Parser::new_ext(text, Options::ENABLE_TABLES).into_offset_iter() {
            match event {
                Event::Start(Tag::Heading { .. }) => heading = Some(String::new()),
                Event::End(TagEnd::Heading(_)) => {
                    let base = github_anchor(&heading.take().unwrap_or_default());
                    let mut anchor = base.clone();
                    while page.anchors.contains(&anchor) {
                        let count = seen.entry(base.clone()).or_insert(0);
                        *count += 1;
                        anchor = format!("{base}-{count}");
                    }
                    page.anchors.insert(anchor);
                }
                Event::Text(part) | Event::Code(part) => {
                    if let Some(heading) = heading.as_mut() {
                        heading.push_str(&part);
                    }
                }
                Event::Html(html) | Event::InlineHtml(html) => page.anchors.extend(html_anchors(&html)),
                Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                    page.links.push((line_of(range.start), dest_url.into_string()));
                }
                _ => {}
            }
        }
        page
    }
}

/// The values of `id="…"` and `name="…"` in a piece of HTML.
fn html_anchors(html: &str) -> Vec<String> {
    let mut anchors = Vec::new();
    for attribute in ["id=\"", "name=\""] {
        let mut rest = html;
        while let Some(start) = rest.find(attribute) {
            rest = &rest[start + attribute.len()..];
            if let Some(end) = rest.find('"') {
                anchors.push(rest[..end].to_owned());
                rest = &rest[end..];
            }
        }
    }
    anchors
}

/// `https:`, `mailto:` and the like: not checked here.
fn has_scheme(destination: &str) -> bool {
    let Some((scheme, _)) = destination.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// `%20` and the like, as a browser reads them in a link.
fn percent_decoded(path: &str) -> String {
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|pair| std::str::from_utf8(pair).ok());
        match (bytes[i], hex.and_then(|hex| u8::from_str_radix(hex, 16).ok())) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                i += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// `path` relative to the repository's root, its `..` and `.` resolved; `None`
/// when it leaves the repository.
fn within_root(path: &Path) -> Option<PathBuf> {
    let mut resolved = PathBuf::new();
    for component in path.components() {
        match component {
            Component::Normal(part) => resolved.push(part),
            Component::ParentDir => {
                if !resolved.pop() {
                    return None;
                }
            }
            Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
        }
    }
    Some(resolved)
}

/// The pages already read, by their path relative to the root.
struct Checker {
    root: PathBuf,
    pages: BTreeMap<PathBuf, Page>,
    problems: Vec<String>,
}

impl Checker {
    fn new(root: PathBuf) -> Self {
        Self {
            root,
            pages: BTreeMap::new(),
            problems: Vec::new(),
        }
    }

    fn page(&mut self, relative: &Path) -> &Page {
        let root = &self.root;
        self.pages
            .entry(relative.to_path_buf())
            .or_insert_with(|| Page::parse(&read(&root.join(relative))))
    }

    /// Checks `destination`, written in `from` (relative to the root) at
    /// `line`; `base` is the folder it is relative to.
    fn check(&mut self, from: &Path, line: usize, base: &Path, destination: &str) {
        if destination.is_empty() || has_scheme(destination) || destination.starts_with("//") {
            return;
        }
        let (path, anchor) = destination.split_once('#').unwrap_or((destination, ""));
        let path = percent_decoded(path);
        let target = if path.is_empty() {
            Some(from.to_path_buf())
        } else if let Some(from_root) = path.strip_prefix('/') {
            within_root(Path::new(from_root))
        } else {
            within_root(&base.join(&path))
        };
        let at = format!("{}:{line}: `{destination}`", from.display());
        let Some(target) = target else {
            self.problems.push(format!("{at} points outside the repository"));
            return;
        };
        let absolute = self.root.join(&target);
        if !absolute.exists() {
            self.problems.push(format!("{at}: {} does not exist", target.display()));
            return;
        }
        if anchor.is_empty() {
            return;
        }
        if is_markdown(&target) && absolute.is_file() {
            let anchor = percent_decoded(anchor);
            if !self.page(&target).anchors.contains(&anchor) {
                self.problems.push(format!(
                    "{at}: {} has no heading with the anchor #{anchor}",
                    target.display()
                ));
            }
        } else if !is_line_anchor(anchor) {
            self.problems.push(format!(
                "{at}: only a Markdown page has heading anchors (or #L12, #L12-L20 for a line)"
            ));
        }
    }
}

/// GitHub's anchors for the lines of a file: `L12` or `L12-L20`.
fn is_line_anchor(anchor: &str) -> bool {
    let number = |part: &str| {
        part.strip_prefix('L')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    match anchor.split_once('-') {
        Some((first, last)) => number(first) && number(last),
        None => number(anchor),
    }
}

/// The Markdown pages a code file names: each `README.md…` or `docs/….md…`
/// (with its `#anchor`, if any), with its line.
fn page_references(text: &str) -> Vec<(usize, String)> {
    let path_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '#');
    let mut references = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let mut start = 0;
        while let Some(found) = ["README.md", "docs/"]
            .iter()
            .filter_map(|needle| line[start..].find(needle).map(|at| start + at))
            .min()
        {
            let token: String = line[found..].chars().take_while(|&c| path_char(c)).collect();
            start = found + token.len().max(1);
            let preceded_by_path = line[..found].chars().next_back().is_some_and(path_char);
            let token = token.trim_end_matches(['.', '#']);
            let page = token.split('#').next().unwrap_or_default();
            if !preceded_by_path && page.ends_with(".md") {
                references.push((index + 1, token.to_owned()));
            }
        }
    }
    references
}

#[test]
fn every_relative_link_and_anchor_in_the_markdown_files_resolves() {
    let root = root();
    let mut checker = Checker::new(root.clone());
    let pages: Vec<PathBuf> = files_under(&root)
        .into_iter()
        .filter(|path| is_markdown(path))
        .map(|path| path.strip_prefix(&root).map(Path::to_path_buf).expect("under the root"))
        .collect();
    for name in ["README.md", "docs/api.md"] {
        assert!(
            pages.iter().any(|page| page == Path::new(name)),
            "{name} was not found among the Markdown files: {pages:?}"
        );
    }
    let mut links = 0;
    for page in &pages {
        let found = checker.page(page).links.clone();
        let base = page.parent().unwrap_or(Path::new("")).to_path_buf();
        for (line, destination) in found {
            links += 1;
            checker.check(page, line, &base, &destination);
        }
    }
    assert!(
        links > 50,
        "only {links} links found in {} Markdown files: is the parser reading them?",
        pages.len()
    );
    assert!(
        checker.problems.is_empty(),
        "{} broken links in the Markdown files:\n{}",
        checker.problems.len(),
        checker.problems.join("\n")
    );
}

#[test]
fn every_markdown_page_named_in_the_code_exists_with_its_anchor() {
    let root = root();
    let mut checker = Checker::new(root.clone());
    let mut files: Vec<PathBuf> = CODE_FILES.iter().map(|name| root.join(name)).collect();
    for dir in CODE_DIRS {
        files.extend(files_under(&root.join(dir)));
    }
    for file in files.iter().filter(|file| !is_markdown(file)) {
        let relative = file.strip_prefix(&root).expect("under the root").to_path_buf();
        for (line, reference) in page_references(&read(file)) {
            checker.check(&relative, line, Path::new(""), &reference);
        }
    }
    assert!(
        checker.problems.is_empty(),
        "{} references to Markdown pages that do not resolve:\n{}",
        checker.problems.len(),
        checker.problems.join("\n")
    );
}

#[test]
fn headings_get_github_anchors() {
    for (heading, anchor) in [
        ("The zip: `make build`", "the-zip-make-build"),
        ("Event rules (E1–E6)", "event-rules-e1e6"),
        (
            "A request's path through the modules",
            "a-requests-path-through-the-modules",
        ),
        ("9. Configuration", "9-configuration"),
        (
            "3. Starting a session: `POST /api/v1/sessions`",
            "3-starting-a-session-post-apiv1sessions",
        ),
        (
            "Sessions: ending, idle, stalled, late arrivals",
            "sessions-ending-idle-stalled-late-arrivals",
        ),
        ("snake_case and Ümlaut", "snake_case-and-ümlaut"),
    ] {
        assert_eq!(github_anchor(heading), anchor, "{heading}");
    }
    let page = Page::parse("# Notes\n\n## Notes\n\n## Notes\n\n<a id=\"kept\"></a>\n\n[a](#notes-2) ![b](img.png)\n");
    for anchor in ["notes", "notes-1", "notes-2", "kept"] {
        assert!(
            page.anchors.contains(anchor),
            "{anchor} missing from {:?}",
            page.anchors
        );
    }
    assert_eq!(page.links, [(9, "#notes-2".to_owned()), (9, "img.png".to_owned())]);
}

#[test]
fn a_broken_link_is_reported_with_its_place() {
    let root = root();
    let mut checker = Checker::new(root);
    let from = Path::new("docs/api.md");
    let docs = Path::new("docs");
    checker.check(from, 1, docs, "../README.md#configuration");
    checker.check(from, 2, docs, "#1-routes");
    checker.check(from, 3, docs, "https://example.com/#anything");
    checker.check(from, 4, Path::new(""), "src/main.rs#L5-L9");
    assert_eq!(checker.problems, Vec::<String>::new());
    checker.check(from, 5, docs, "../README.md#no-such-heading");
    checker.check(from, 6, docs, "missing.md");
    checker.check(from, 7, docs, "../../outside.md");
    checker.check(from, 8, Path::new(""), "src/main.rs#main");
    assert_eq!(checker.problems.len(), 4, "{:#?}", checker.problems);
    assert!(checker.problems[0].starts_with("docs/api.md:5: `../README.md#no-such-heading`"));
    assert!(checker.problems[1].contains("/missing.md does not exist"));
    assert!(checker.problems[2].contains("outside the repository"));
}

#[test]
fn code_comments_name_pages_by_path() {
    let text = "//! See docs/api.md, \"Stored records\", and README.md#configuration.\n\
                // target/bench/latest.md is output; mydocs/x.md is not ours\n";
    assert_eq!(
        page_references(text),
        [(1, "docs/api.md".to_owned()), (1, "README.md#configuration".to_owned())]
    );
}
