#!/usr/bin/env bash
# Hostile input for longer than CI gives it: every property test over a parser of outside input
# (image URL parameters, page keys and page numbers, form bodies, comment text, the HTML and
# Markdown normaliser, search queries, Ghost's NQL filters, WordPress exports and their PHP-
# serialised meta) run with CASES cases each instead of proptest's 256. A failure prints the
# smallest input that breaks the property and is saved under proptest-regressions/ so the next
# `cargo test` runs it first.
#
# Prints one line per property (cases, seconds, cases a second), then `fuzz_cases=<total>` and
# `fuzz_failures=<count>` (target 0).
#
# Usage: bench/fuzz.sh [cases]   (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."

CASES="${1:-20000}"
PROPERTIES=(
  media::images::params::tests::any_query_parses_within_limits_and_keys_canonically
  media::images::params::tests::any_text_as_a_query_never_panics
  web::page_key::tests::keys_are_fixed_points
  web::query::tests::any_page_parameter_is_a_page_or_a_400
  web::form::tests::encoded_pairs_come_back_whole
  comments::text::tests::any_comment_renders_inert
  articles::body::tests::normalising_is_idempotent_and_markdown_round_trips
  articles::body::tests::any_input_gives_schema_only_output
  search::query::tests::any_query_parses_into_bounded_clauses
  ghost_api::nql::tests::any_text_parses_or_fails_cleanly
  import::wxr::tests::exports_round_trip_and_damage_is_refused
  import::php::tests::wordpress_serialisations_read_and_damage_is_refused
  import::php::tests::deep_nesting_is_refused_not_recursed
)

cargo test --lib --no-run --quiet 2>/dev/null
failures=0
total=0
for property in "${PROPERTIES[@]}"; do
  started="$(date +%s.%N)"
  if PROPTEST_CASES="$CASES" cargo test --lib --quiet -- --exact "$property" >/tmp/fuzz.$$ 2>&1; then
    status=ok
  else
    status=FAILED
    failures=$((failures + 1))
    sed -n '/minimal failing input/,+3p' /tmp/fuzz.$$
  fi
  seconds="$(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}')"
  total=$((total + CASES))
  printf '%-80s %s %7d cases %6.1f s %8.0f cases/s\n' "$property" "$status" "$CASES" "$seconds" \
    "$(awk -v c="$CASES" -v s="$seconds" 'BEGIN {print (s > 0 ? c / s : 0)}')"
done
rm -f /tmp/fuzz.$$
echo "fuzz_cases=$total"
echo "fuzz_failures=$failures"
[ "$failures" -eq 0 ]
