//! docs/themes.md promises a theme author every variable each template receives. This holds the
//! promise to the templates: every `page.<field>` a page template reads, and every variable a
//! mail template reads, is named in the section of the documentation for that template.

use std::collections::BTreeSet;
use std::path::Path;

const DOCS: &str = include_str!("../../docs/themes.md");

/// The documentation's section for `template`: from the `###` heading that names it (or names
/// its folder as `folder/*`) to the next heading.
fn section_for(template: &str) -> Option<String> {
    let folder = template
        .rsplit_once('/')
        .map(|(folder, _)| format!("`{folder}/*"));
    let mut lines = DOCS.lines();
    let heading = |line: &str| line.starts_with("### ");
    let names = |line: &str| {
        line.contains(&format!("`{template}`"))
            || folder.as_deref().is_some_and(|f| line.contains(f))
    };
    lines.find(|l| heading(l) && names(l))?;
    Some(
        lines
            .take_while(|l| !l.starts_with("## ") && !heading(l))
            .collect::<Vec<_>>()
            .join("\n"),
    )
}

fn identifiers_after(text: &str, prefix: &str) -> BTreeSet<String> {
    text.match_indices(prefix)
        .filter(|(at, _)| {
            text[..*at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_alphanumeric() && c != '_' && c != '.')
        })
        .map(|(at, _)| {
            text[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|name| !name.is_empty())
        .collect()
}

/// The top-level variables a mail template reads: names that start an expression, less the
/// loop variables it makes itself and minijinja's own words.
fn mail_variables(text: &str) -> BTreeSet<String> {
    let mut made = BTreeSet::new();
    for (at, _) in text.match_indices("{% for ") {
        let rest = &text[at + 7..];
        for name in rest.split(" in ").next().unwrap_or("").split(',') {
            made.insert(name.trim().to_string());
        }
    }
    for (at, _) in text.match_indices("{% set ") {
        let name: String = text[at + 7..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        made.insert(name);
    }
    let words = [
        "loop", "true", "false", "none", "not", "if", "else", "and", "or", "in", "is",
    ];
    let mut used = BTreeSet::new();
    for opener in ["{{", "{%"] {
        for (at, _) in text.match_indices(opener) {
            let expression = &text[at + 2..];
            let expression = expression
                .split(['}', '%'])
                .next()
                .unwrap_or("")
                .trim_start_matches('-');
            let expression = expression
                .trim_start()
                .strip_prefix("if ")
                .or_else(|| expression.trim_start().strip_prefix("elif "))
                .or_else(|| {
                    expression
                        .trim_start()
                        .strip_prefix("for ")
                        .and_then(|e| e.split(" in ").nth(1))
                })
                .unwrap_or(if opener == "{{" { expression } else { "" });
            let name: String = expression
                .trim_start()
                .trim_start_matches("not ")
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty()
                && !made.contains(&name)
                && !words.contains(&name.as_str())
                && !name.chars().next().is_some_and(|c| c.is_ascii_digit())
            {
                used.insert(name);
            }
        }
    }
    used
}

fn templates(dir: &Path, base: &Path, found: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if !path.ends_with("static") {
                templates(&path, base, found);
            }
        } else {
            let name = path
                .strip_prefix(base)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            found.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
}

#[test]
fn every_template_variable_is_documented() {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default");
    let mut found = Vec::new();
    templates(&base, &base, &mut found);
    assert!(found.len() > 60, "the theme was read: {}", found.len());
    let mut missing = Vec::new();
    let mut checked = 0;
    for (name, text) in &found {
        let (used, key) = if let Some(mail) = name.strip_prefix("email/") {
            let folder = mail.split('/').next().unwrap_or(mail);
            (mail_variables(text), format!("email/{folder}"))
        } else {
            (identifiers_after(text, "page."), name.clone())
        };
        if used.is_empty() {
            continue;
        }
        checked += used.len();
        let Some(section) = section_for(&key) else {
            missing.push(format!("{key}: no section in docs/themes.md"));
            continue;
        };
        for variable in used {
            let named = section.contains(&format!("`{variable}`"))
                || section.contains(&format!("`page.{variable}`"));
            if !named {
                missing.push(format!("{key}: `{variable}`"));
            }
        }
    }
    assert!(checked > 150, "variables were found: {checked}");
    assert!(
        missing.is_empty(),
        "not documented:\n{}",
        missing.join("\n")
    );
}
