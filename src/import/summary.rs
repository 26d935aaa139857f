//! What an import did, counted by kind of thing and outcome, with the reasons for everything
//! left out: printed at the end, so nothing is ever lost silently.

use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// Reasons listed one by one, up to this many; the rest are counted.
const LISTED: usize = 20;

#[derive(Debug, Default)]
pub struct Summary {
    pub dry_run: bool,
    counts: BTreeMap<(&'static str, Outcome), u64>,
    skipped: BTreeMap<String, u64>,
    problems: Vec<String>,
    problem_count: usize,
    notes: Vec<String>,
}

impl Summary {
    pub fn new(dry_run: bool) -> Self {
        Summary {
            dry_run,
            ..Summary::default()
        }
    }

    pub fn count(&mut self, kind: &'static str, outcome: Outcome) {
        *self.counts.entry((kind, outcome)).or_default() += 1;
    }

    /// A thing left out on purpose, by the reason (`"a page"`, `"a revision"`).
    pub fn skip(&mut self, reason: impl Into<String>) {
        *self.skipped.entry(reason.into()).or_default() += 1;
    }

    /// A thing that could not be imported, with where it is in the export and why.
    pub fn problem(&mut self, message: String) {
        self.problem_count += 1;
        if self.problems.len() < LISTED {
            self.problems.push(message);
        }
    }

    /// Something the newsroom should know or do after the import.
    pub fn note(&mut self, message: String) {
        self.notes.push(message);
    }

    pub fn total(&self, kind: &str, outcome: Outcome) -> u64 {
        self.counts
            .iter()
            .filter(|((k, o), _)| *k == kind && *o == outcome)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn skipped(&self, reason: &str) -> u64 {
        self.skipped.get(reason).copied().unwrap_or(0)
    }

    pub fn problems(&self) -> usize {
        self.problem_count
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (created, updated) = if self.dry_run {
            ("would be created", "would be updated")
        } else {
            ("created", "updated")
        };
        let mut kinds: Vec<&str> = self.counts.keys().map(|(k, _)| *k).collect();
        kinds.dedup();
        for kind in kinds {
            let mut parts = Vec::new();
            for (outcome, label) in [
                (Outcome::Created, created),
                (Outcome::Updated, updated),
                (Outcome::Unchanged, "unchanged"),
            ] {
                let n = self.total(kind, outcome);
                if n > 0 {
                    parts.push(format!("{n} {label}"));
                }
            }
            writeln!(f, "{kind:<12} {}", parts.join(", "))?;
        }
        if !self.skipped.is_empty() {
            writeln!(f, "Not imported:")?;
            for (reason, n) in &self.skipped {
                writeln!(f, "  {n:>6}  {reason}")?;
            }
        }
        if self.problem_count > 0 {
            writeln!(f, "Could not be imported ({}):", self.problem_count)?;
            for problem in &self.problems {
                writeln!(f, "  {problem}")?;
            }
            if self.problem_count > self.problems.len() {
                writeln!(
                    f,
                    "  … and {} more",
                    self.problem_count - self.problems.len()
                )?;
            }
        }
        for note in &self.notes {
            writeln!(f, "{note}")?;
        }
        if self.dry_run {
            writeln!(f, "This was a dry run: nothing was written.")?;
        }
        Ok(())
    }
}
