#!/usr/bin/env bash
# Mutation testing of the rules core (issue 19, docs/testing.md): do the rules tests fail when
# the rules' answers change? mutmut 3 (pinned in the dev extras) changes one thing at a time in
# the modules of [tool.mutmut] only_mutate (pyproject.toml) and runs the fast tests that reach
# the changed function (tests/rules and the policy cases), one worker, at the lowest priority.
#
#   bash scripts/mutation.sh                  every module, smallest first
#   bash scripts/mutation.sh chains verdict   only these modules (xueshi.rules.<name>)
#   bash scripts/mutation.sh --sample 4 evaluate   every 4th mutant of a module (a quick estimate)
#   bash scripts/mutation.sh --survived chains    only the mutants that survived the last run
#   bash scripts/mutation.sh --table          the table of the last runs, no new run
#   bash scripts/mutation.sh --survivors M    the surviving mutants of module M, with their diffs
#
# Results are kept in mutants/ (git-ignored): a second run re-tests only what changed. Delete
# mutants/ for a clean run. XUESHI_RULES_UNCACHED=1 makes Policy.resolve answer afresh on every
# call and each test session load the policy tree itself (a cached answer hides a mutant from
# every test but the first that asked).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=scripts/_venv.sh
source scripts/_venv.sh
ensure_venv >/dev/null

MODULES=(periods chains terms workdays deadlines verdict counting evaluate bulk policy)

export XUESHI_RULES_UNCACHED=1
unset DATABASE_URL

table() {
    mutmut results --all true 2>/dev/null | python3 -c '
import collections, sys
modules = sys.argv[1:]
counts = collections.defaultdict(collections.Counter)
for line in sys.stdin:
    name, _, status = line.strip().rpartition(": ")
    parts = name.split(".")
    if len(parts) > 3 and parts[:2] == ["xueshi", "rules"]:
        counts[parts[2]][status] += 1
print("| module | mutants | killed | survived | no test | timeout | not checked | score |")
print("|---|---|---|---|---|---|---|---|")
for module in modules:
    c = counts.get(module)
    if not c:
        continue
    total = sum(c.values())
    killed = c["killed"] + c["timeout"]
    survived, untested = c["survived"], c["no tests"]
    timeout, unchecked = c["timeout"], c["not checked"]
    checked = total - unchecked
    score = f"{100 * killed / checked:.1f} %" if checked else "–"
    print(f"| {module}.py | {total} | {killed} | {survived} | {untested} "
          f"| {timeout} | {unchecked} | {score} |")
' "${MODULES[@]}"
}

case "${1:-}" in
    --table)
        table
        exit 0
        ;;
    --survivors)
        module=${2:?module name, e.g. chains}
        mutmut results 2>/dev/null | grep "xueshi\.rules\.${module}\." | while read -r line; do
            name=${line%%:*}
            echo "=== $line"
            mutmut show "$name" 2>/dev/null | sed -n '/^@@/,$p'
        done
        exit 0
        ;;
esac

# mutmut copies src/ into mutants/ once and regenerates only the files it mutates: after a
# pull, bring the others (the rest of the rules core, the apps the test setup imports) up to date.
refresh_copies() {
    [ -d mutants/src ] || return 0
    local mutated=" ${MODULES[*]} "
    while IFS= read -r -d '' file; do
        local name=${file#src/}
        if [[ $name == xueshi/rules/*.py ]]; then
            local module=${name#xueshi/rules/}
            [[ $mutated == *" ${module%.py} "* ]] && continue
        fi
        if ! cmp -s "$file" "mutants/src/$name"; then
            mkdir -p "$(dirname "mutants/src/$name")"
            cp -p "$file" "mutants/src/$name"
        fi
    done < <(find src -type f -not -path '*/__pycache__/*' -print0)
}

every=1
only=""
if [ "${1:-}" = "--sample" ]; then
    every=${2:?how many mutants to one tested, e.g. 4}
    shift 2
elif [ "${1:-}" = "--survived" ]; then
    only="survived"
    shift
fi
selected=("$@")
if [ "${#selected[@]}" -eq 0 ]; then
    selected=("${MODULES[@]}")
fi
mkdir -p mutants
refresh_copies
for module in "${selected[@]}"; do
    start=$(date +%s)
    echo "== xueshi.rules.${module} ($(date -u +%H:%M:%S) UTC)"
    # mutmut's own progress line is long and rewritten in place: keep its summary only.
    names=("xueshi.rules.${module}.*")
    if [ -n "$only" ]; then
        mapfile -t names < <(mutmut results --all true 2>/dev/null \
            | sed -n "s/^ *\(xueshi\.rules\.${module}\.[^:]*\): \(survived\|no tests\)$/\1/p")
        echo "   ${#names[@]} mutants that survived or had no test"
        [ "${#names[@]}" -gt 0 ] || continue
    elif [ "$every" -gt 1 ]; then
        # The module's mutants are listed once mutmut has generated them (any earlier run).
        # Every Nth of the module's mutants, less those a run already tested.
        mapfile -t names < <(mutmut results --all true 2>/dev/null \
            | sed -n "s/^ *\(xueshi\.rules\.${module}\.[^:]*\): \(.*\)$/\1 \2/p" | sort \
            | awk -v every="$every" 'NR % every == 1 && $2 == "not" {print $1}')
        echo "   ${#names[@]} mutants (every ${every}th not tested yet)"
        [ "${#names[@]}" -gt 0 ] || continue
    fi
    nice -n 19 mutmut run --max-children 1 "${names[@]}" >"mutants/run-${module}.log" 2>&1 \
        || { echo "mutmut failed for ${module}: see mutants/run-${module}.log"; exit 1; }
    echo "   $(( $(date +%s) - start )) s"
done
table
