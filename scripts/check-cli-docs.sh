#!/usr/bin/env bash
# Checks the man page and the bash completion the build made (BUILD/man/batchode.1,
# BUILD/completion/batchode) against the tool itself, and the licence and citation files:
#   bash scripts/check-cli-docs.sh BUILD_DIR
# (the CTest test install/cli-docs runs it). What it checks:
# - both files are what 'batchode --man-page' / '--bash-completion' print now;
# - the man page renders with groff without a warning, and the rendered page (man -l) has
#   every command, every option that 'batchode COMMAND --help' lists, every exit status, and
#   every environment variable the library or the tool reads (found in src/ and cli/);
# - the completion script offers the commands, each command's options exactly as --help lists
#   them, file names where a file is expected, and for every option with a list of values
#   exactly the list the tool names when it refuses a wrong value (emulating bash's
#   completion call: COMP_LINE, COMP_POINT);
# - CITATION.cff's version is the tool's version, and LICENSE is the BSD 3-Clause licence.
# Without groff and man-db (scripts/deps.sh installs them) the rendering is checked on the
# roff source instead.
set -euo pipefail
build=$(cd "${1:?usage: check-cli-docs.sh BUILD_DIR}" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
cli=$build/batchode
man_page=$build/man/batchode.1
completion=$build/completion/batchode
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export BATCHODE_CACHE_DIR=$tmp/cache

[ -x "$cli" ] || { echo "FAIL: no $cli (build first)" >&2; exit 1; }
version=$("$cli" --version | sed -n 's/^batchode //p')
commands=$("$cli" --bash-completion | sed -n "s/^_batchode_commands='\(.*\) help'$/\1/p")
[ -n "$commands" ] || fail "no command list in the completion script"

# The long options of a command as its --help lists them, one a line, sorted.
help_options() {
    "$cli" "$1" --help | grep -E '^  (-[a-z], )?--|^      --' | grep -oE -- '--[a-z0-9-]+' | head -n 1000 |
        sort -u
}

# ---- man page ------------------------------------------------------------------------------
[ -f "$man_page" ] || fail "no man page $man_page"
"$cli" --man-page | cmp -s - "$man_page" || fail "$man_page is not what 'batchode --man-page' prints"
if command -v groff >/dev/null && command -v man >/dev/null; then
    warnings=$(groff -man -Tutf8 -ww -z "$man_page" 2>&1) || fail "groff failed on the man page"
    [ -z "$warnings" ] || fail "groff warns about the man page: $warnings"
    MANWIDTH=100 man -l "$man_page" 2>"$tmp/man.err" | col -b >"$tmp/man.txt" ||
        fail "man -l cannot render the man page"
    [ -s "$tmp/man.err" ] && fail "man -l complains: $(cat "$tmp/man.err")"
    rendered=$tmp/man.txt
else
    echo "groff or man-db missing: checking the roff source, not the rendered page" >&2
    sed -e 's/\\-/-/g' -e 's/\\f[BIR]//g' "$man_page" >"$tmp/man.txt"
    rendered=$tmp/man.txt
fi
grep -q "^BATCHODE(1)\|^\.TH BATCHODE 1" "$rendered" || fail "man page has no BATCHODE(1) title"
grep -q "batchode $version" "$rendered" || fail "man page does not name version $version"
for section in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS "EXIT STATUS" ENVIRONMENT "SEE ALSO"; do
    grep -Eq "^(\.SH \"?)?$section\"?$" "$rendered" || fail "man page lacks the section $section"
done
for cmd in $commands; do
    grep -Eq "^(   |\.SS \")batchode $cmd " "$rendered" || fail "man page lacks the command $cmd"
    # The command's part of the page: from its heading to the next one.
    awk -v c="batchode $cmd " 'index($0, c) && /^(   |\.SS)/ {on = 1; next}
        on && /^(   batchode |\.SS|[A-Z])/ {on = 0} on' "$rendered" >"$tmp/part.txt"
    for opt in $(help_options "$cmd"); do
        grep -q -- "$opt" "$tmp/part.txt" || fail "man page: $cmd lacks $opt"
    done
done
for opt in $("$cli" --help | grep -oE -- '^ +(-h, )?--[a-z-]+' | grep -oE -- '--[a-z-]+'); do
    grep -q -- "$opt" "$rendered" || fail "man page lacks the global option $opt"
done
for code in $("$cli" --help | sed -n '/^Exit status:/,/^$/p' | grep -oE '^  [0-9]+'); do
    awk '/EXIT STATUS/ {on = 1} /^ENVIRONMENT|^\.SH ENVIRONMENT/ {on = 0} on' "$rendered" |
        grep -Eq "^( +|\.B )$code( |$)" || fail "man page lacks exit status $code"
done
# Every environment variable read anywhere: getenv("NAME") or the cache's env_nonempty("NAME").
vars=$(grep -rhoE '(getenv|env_nonempty)\("[A-Z_][A-Z0-9_]*"\)' "$src/src" "$src/cli" |
    grep -oE '"[A-Z0-9_]+"' | tr -d '"' | sort -u)
[ -n "$vars" ] || fail "found no environment variable in src/ (the search is broken)"
# The help is read whole first: 'grep -q' on a pipe stops reading at its match, and the tool
# writing the rest would then die of SIGPIPE, a failure under pipefail.
general_help=$("$cli" --help)
for var in $vars; do
    awk '/ENVIRONMENT/ {on = 1} /SEE ALSO/ {on = 0} on' "$rendered" | grep -Eq "^( +|\.B )$var( |$)" ||
        fail "man page ENVIRONMENT lacks $var (read by the library)"
    grep -q "^  $var " <<<"$general_help" || fail "--help Environment lacks $var"
done

# ---- bash completion -----------------------------------------------------------------------
[ -f "$completion" ] || fail "no completion script $completion"
"$cli" --bash-completion | cmp -s - "$completion" ||
    fail "$completion is not what 'batchode --bash-completion' prints"
bash -n "$completion" || fail "the completion script is not valid bash"

# complete LINE [WORDBREAKS]: what the completion offers at the end of LINE, sorted, on one
# line; WORDBREAKS is bash's COMP_WORDBREAKS (default: bash's default).
default_breaks=$' \t\n"\'><=;|&(:'
complete_line() {
    (
        # shellcheck source=/dev/null
        source "$completion"
        COMP_LINE=$1
        COMP_POINT=${#1}
        COMP_WORDBREAKS=${2-$default_breaks}
        COMPREPLY=()
        _batchode
        printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
    )
}
expect() { # LINE EXPECTED [COMP_WORDBREAKS]
    local got
    got=$(complete_line "$1" "${3-$default_breaks}")
    [ "$got" = "$2" ] || fail "completing '$1': expected '$2', got '$got'"
}

mkdir -p "$tmp/files/sub" && cd "$tmp/files"
touch model.ode notes.txt runs.csv force.csv
expect "batchode " "$(printf '%s\n' $commands help --help -h --version --man-page --bash-completion |
    sort | tr '\n' ' ' | sed 's/ $//')"
expect "batchode so" "solve"
expect "batchode help s" "settings solve"
expect "batchode solve --rt" "--rtol"
expect "batchode solve --algorithm rod" "rodas4 rodas5p"
expect "batchode solve --algorithm=rod" "rodas4 rodas5p"
expect "batchode solve --algorithm=rod" "--algorithm=rodas4 --algorithm=rodas5p" $' \t\n'
expect "batchode solve model.ode --backend " "auto cpu cuda"
expect "batchode solve --set step_con" "step_controller="
expect "batchode solve --set algorithm=ts" "tsit5"
expect "batchode solve --set cache=" "false true"
expect "batchode solve " "model.ode sub"
expect "batchode check m" "model.ode"
expect "batchode solve model.ode --runs " "force.csv runs.csv sub"
expect "batchode solve model.ode --driver F=f" "force.csv"
expect "batchode solve model.ode -o " "sub"
expect "batchode solve model.ode --source n" "notes.txt"
expect "batchode solve model.ode --quiet " "model.ode sub"
expect "batchode solve model.ode --rtol " ""
expect "batchode settings " ""
expect "batchode solve -- -" ""
printf 'model decay\nparam k = 1.5\nstate y = 2.385\ndy/dt = -k*y\n' >decay.ode
for cmd in $commands; do
    offered=$(complete_line "batchode $cmd --" | tr ' ' '\n' | sort -u | tr '\n' ' ')
    listed=$(help_options "$cmd" | tr '\n' ' ')
    [ "$offered" = "$listed" ] || fail "$cmd: completion offers '$offered', --help lists '$listed'"
    # Every option whose values are offered as a list (kind "choice"): the same list the tool
    # names when it refuses a value.
    for opt in $(help_options "$cmd"); do
        # shellcheck source=/dev/null
        kind=$(source "$completion" && _batchode_kind "$cmd" "$opt" && echo "$_batchode_w")
        [[ $kind == choice* ]] || continue
        values=$(complete_line "batchode $cmd decay.ode $opt " | tr ' ' '\n' | sort | tr '\n' ' ')
        said=$("$cli" "$cmd" decay.ode "$opt" __bogus__ -o "$tmp/out" 2>&1 >/dev/null || true)
        allowed=$(sed -n 's/.*must be one of: \([^;]*\).*/\1/p' <<<"$said" | tr -d ',' | tr ' ' '\n' |
            sort | tr '\n' ' ')
        [ "$values" = "$allowed" ] ||
            fail "$cmd $opt: completion offers '$values', the tool accepts '$allowed' ($said)"
        checked_choices=$((${checked_choices:-0} + 1))
    done
done
[ "${checked_choices:-0}" -ge 6 ] || fail "only ${checked_choices:-0} choice options found"
for key in $(complete_line "batchode solve --set " | tr -d '='); do
    values=$(complete_line "batchode solve --set $key=" | tr ' ' '\n' | sort | tr '\n' ' ')
    said=$("$cli" solve decay.ode --set "$key=__bogus__" 2>&1 >/dev/null || true)
    if [[ $said == *"must be true or false"* ]]; then
        allowed="false true "
    else
        allowed=$(sed -n 's/.*must be one of: \([^;]*\).*/\1/p' <<<"$said" | tr -d ',' |
            tr ' ' '\n' | sort | tr '\n' ' ')
    fi
    [ "$values" = "$allowed" ] ||
        fail "--set $key=: completion offers '$values', the tool accepts '$allowed'"
done

# ---- licence and citation ------------------------------------------------------------------
grep -q '^BSD 3-Clause License' "$src/LICENSE" && grep -q 'Neither the name of the copyright holder' \
    "$src/LICENSE" || fail "LICENSE is not the BSD 3-Clause licence"
cff_version=$(sed -n 's/^version: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$src/CITATION.cff")
[ "$cff_version" = "$version" ] ||
    fail "CITATION.cff has version '$cff_version', the project $version (CMakeLists.txt)"
grep -q '^license: BSD-3-Clause$' "$src/CITATION.cff" || fail "CITATION.cff: license is not BSD-3-Clause"
grep -q '^cff-version: 1.2.0$' "$src/CITATION.cff" || fail "CITATION.cff: no cff-version 1.2.0"

if ((failures)); then
    echo "$failures check(s) failed" >&2
    exit 1
fi
echo "man page, completion, licence and citation: all checks passed"
