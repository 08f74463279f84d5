//! "No user-visible string is written inline in a view": every word the candidate reads comes
//! from `src/i18n.rs` (`Msg`, the label functions, and the 申报表's `sheet` words), so English
//! is complete by construction. This check reads the web app's sources and fails on a string
//! literal with Chinese in it outside `i18n.rs`, and on a literal text node in a `view!`
//! (`>"Some words"<`).

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The string literals of a line, up to a `//` comment outside them.
    fn literals(line: &str) -> Vec<&str> {
        let (mut out, mut start, mut escaped) = (Vec::new(), None, false);
        let bytes = line.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            match (start, b) {
                (Some(_), _) if escaped => escaped = false,
                (Some(_), b'\\') => escaped = true,
                (Some(s), b'"') => {
                    out.push(&line[s..i]);
                    start = None;
                }
                (None, b'"') => start = Some(i + 1),
                (None, b'/') if bytes.get(i + 1) == Some(&b'/') => break,
                _ => {}
            }
        }
        out
    }

    fn is_cjk(c: char) -> bool {
        ('\u{4e00}'..='\u{9fff}').contains(&c)
            || ('\u{3000}'..='\u{303f}').contains(&c)
            || ('\u{ff00}'..='\u{ffef}').contains(&c)
    }

    #[test]
    fn every_visible_string_comes_from_i18n() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        assert!(files.len() > 10, "found the web app's sources");
        let mut found = Vec::new();
        for file in files {
            if file.ends_with("i18n.rs") {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            let mut in_tests = false;
            for (n, line) in text.lines().enumerate() {
                if line.trim_start().starts_with("#[cfg(test)]") {
                    in_tests = true;
                }
                let trimmed = line.trim_start();
                if in_tests || trimmed.starts_with("//") {
                    continue;
                }
                let chinese = literals(line).into_iter().any(|l| l.chars().any(is_cjk));
                // A text node: `>"Words here"<` or `> "Words" <` with letters in it.
                let text_node = line.split('>').skip(1).any(|after| {
                    let after = after.trim_start();
                    after.starts_with('"')
                        && after[1..].find('"').is_some_and(|end| {
                            let lit = &after[1..1 + end];
                            lit.chars().filter(|c| c.is_alphabetic()).count() >= 2
                                && after[1 + end + 1..].trim_start().starts_with('<')
                        })
                });
                if chinese || text_node {
                    found.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
                }
            }
        }
        assert!(
            found.is_empty(),
            "user-visible strings written inline (move them to src/i18n.rs):\n{}",
            found.join("\n")
        );
    }

    #[test]
    fn the_check_sees_what_it_should() {
        assert_eq!(literals(r#"let a = "甲"; // "乙""#), vec!["甲"]);
        assert_eq!(literals(r#"let url = "https://x"; "#), vec!["https://x"]);
    }
}
