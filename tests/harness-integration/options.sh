#!/bin/sh
# options.sh - the one option table (src/harness/cli/options.h) seen from
# the command line: a shared option errs the same in every command that
# takes it, is refused by name in every command that does not, and each
# command's --help lists exactly the table's options for it.
#
#   options.sh MODE RACELAB      MODE: same_errors | help_lists_table
#
# `racelab __options` prints the table (name, alias, meta, kind, commands).
set -eu
mode=$1
racelab=$2
tmp=$(mktemp -d /tmp/racelab-options-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$racelab" __options > "$tmp/table" || fail "racelab __options failed"
[ -s "$tmp/table" ] || fail "racelab __options printed nothing"
commands="run matrix stress merge check grade baseline"

# invoke CMD OPTION...: racelab CMD OPTION... plus the command's arguments
# (options come first; every option error is found before the arguments).
# Sets st (exit status) and err (stderr, "racelab: " dropped).
invoke() {
    cmd=$1
    shift
    case $cmd in
    run) set -- "$@" no-such-scenario ;;
    matrix) ;;
    stress) set -- "$@" -- /bin/true ;;
    merge) set -- "$@" "$tmp/none.json" ;;
    check) set -- "$@" no-such-scenario "$tmp/none.c" ;;
    grade) set -- "$@" no-such-scenario "$tmp" --out "$tmp/out" ;;
    esac
    st=0
    if [ "$cmd" = baseline ]; then     # the table's "baseline" is `baseline update`
        "$racelab" baseline update "$@" "$tmp/none.json" > "$tmp/out.txt" 2> "$tmp/err.txt" || st=$?
    else
        "$racelab" "$cmd" "$@" > "$tmp/out.txt" 2> "$tmp/err.txt" || st=$?
    fi
    err=$(sed 's/^racelab: //' "$tmp/err.txt")
}

takes() {   # takes OPTION CMD: does the table give CMD that option?
    awk -F'\t' -v o="$1" -v c="$2" '$1 == o {
        n = split($5, cs, ", "); for (i = 1; i <= n; i++) if (cs[i] == c) found = 1 }
        END { exit found ? 0 : 1 }' "$tmp/table"
}

bad_value() {   # a value every parser of that kind refuses ("" for none)
    case $1 in
    integer) echo x1 ;;
    seconds) echo -1 ;;
    fraction) echo 2 ;;
    tools) echo nosuchtool ;;
    variants) echo nosuchvariant ;;
    chaos) echo pct:depht=3 ;;
    shard) echo 3/2 ;;
    http-path) echo no-slash ;;
    *) echo "" ;;
    esac
}

case $mode in
same_errors)
    checked=0
    while IFS="$(printf '\t')" read -r name alias meta kind cmds; do
        [ "$name" = help ] && continue
        bad=$(bad_value "$kind")
        first=""
        for cmd in $commands; do
            if takes "$name" "$cmd"; then
                [ -n "$bad" ] || continue
                invoke "$cmd" "--$name" "$bad"
                [ "$st" = 2 ] || fail "$cmd --$name $bad: exit $st, expected 2 ($err)"
                echo "$err" | grep -qF -- "--$name" || fail "$cmd --$name $bad: '$err' does not name --$name"
                if [ -z "$first" ]; then
                    first=$err
                    firstcmd=$cmd
                elif [ "$err" != "$first" ]; then
                    fail "--$name $bad: $firstcmd says '$first', $cmd says '$err'"
                fi
                checked=$((checked + 1))
            else
                if [ "$meta" = - ]; then invoke "$cmd" "--$name"; else invoke "$cmd" "--$name" 1; fi
                [ "$st" = 2 ] || fail "$cmd --$name: exit $st, expected 2 (not a $cmd option)"
                echo "$err" | grep -qF -- "$cmd: --$name is not a $cmd option" \
                    || fail "$cmd --$name: '$err'"
            fi
        done
        [ -z "$first" ] || echo "--$name $bad: '$first' in every command that takes it"
    done < "$tmp/table"
    [ "$checked" -ge 20 ] || fail "only $checked (option, command) pairs checked"
    # an alias is the same option
    invoke run --tools nosuchtool
    a=$err
    invoke run --tool nosuchtool
    [ "$a" = "$err" ] || fail "--tools and --tool differ: '$a' / '$err'"
    # a missing value (last on the line): the same words everywhere
    for cmd in run matrix stress check grade; do
        st=0
        "$racelab" "$cmd" --jobs > /dev/null 2> "$tmp/err.txt" || st=$?
        [ "$st" = 2 ] || fail "$cmd --jobs without a value: exit $st"
        grep -qF "racelab: $cmd: option --jobs needs a value" "$tmp/err.txt" \
            || fail "$cmd --jobs without a value: $(cat "$tmp/err.txt")"
    done
    ;;
help_lists_table)
    for cmd in $commands; do
        "$racelab" "$cmd" --help > "$tmp/help" || fail "$cmd --help: exit $?"
        grep -q "^usage: racelab $cmd" "$tmp/help" || fail "$cmd --help: no usage line"
        if grep -n '%[TC{]' "$tmp/help"; then fail "$cmd --help: a help marker left unexpanded"; fi
        sed -n 's/^  --\([a-z-]*\).*/\1/p' "$tmp/help" | sort > "$tmp/listed"
        awk -F'\t' -v c="$cmd" '{ n = split($5, cs, ", ");
            for (i = 1; i <= n; i++) if (cs[i] == c) print $1 }' "$tmp/table" | sort > "$tmp/want"
        diff "$tmp/want" "$tmp/listed" > "$tmp/diff" \
            || fail "$cmd --help does not list the table's options: $(cat "$tmp/diff")"
        echo "$cmd --help: $(wc -l < "$tmp/want") options, as in the table"
    done
    ;;
*)
    fail "unknown mode $mode"
    ;;
esac
