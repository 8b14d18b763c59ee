#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tests/tui/run.sh BINDIR: drives BINDIR/dmabuf-top in a private tmux server
# (send-keys, capture-pane) on the trees captured from the test kernels
# (tests/fixtures/6.1 and 7.3, --root) and prints TAP lines: every view,
# sorting, each filter, the detail pane, the help, pause, a resize to 40x12
# and to a tiny size and back, quit and signals restoring the terminal, and
# hostile names (escape sequences, invalid UTF-8) leaving the screen alone.
# BINDIR/dmabuf answers what the screen should show.
set -u
bindir=$(cd "${1:?usage: run.sh BINDIR}" && pwd)
top=$(cd "$(dirname "$0")/../.." && pwd)
tool=$bindir/dmabuf-top
cli=$bindir/dmabuf
sock=dmabuf-top-test-$$
work=$(mktemp -d "${TMPDIR:-/tmp}/dmabuf-top-test.XXXXXX")
fail=0

T() { tmux -L "$sock" -f /dev/null "$@"; }
cleanup() { T kill-server 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
unset TMUX

check() {
	if [ "$1" = 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fail=1; fi
}
ok() { check 0 "$1"; }
notok() { check 1 "$1"; }

if ! command -v tmux >/dev/null; then
	echo "ok - dmabuf-top screen tests # SKIP tmux is not installed (scripts/deps)"
	exit 0
fi

sess=
screen() { T capture-pane -p -t "$sess"; }
# Waits until the screen shows TEXT (a fixed string); 0 when it did.
wait_for() {
	local i
	for i in $(seq 1 50); do
		screen | grep -qF -- "$1" && return 0
		sleep 0.1
	done
	return 1
}
wait_gone() {
	local i
	for i in $(seq 1 50); do
		screen | grep -qF -- "$1" || return 0
		sleep 0.1
	done
	return 1
}
keys() { T send-keys -t "$sess" "$@"; sleep 0.15; }
# The table rows: lines after the column header (it starts with INO, PID, BUFS or ATT)
# up to the footer, without blank ones.
rows() {
	screen | awk -v hdr="$1" 'f && /^ *$/ {next} index($0, hdr) && !f {f = 1; next} f' |
		sed '$d' | grep -v '^ *$'
}
# The inode of each buffer row, in screen order.
inos() { rows INO | grep -E '^[-+~ ] +[0-9]+ ' | awk '{print ($1 ~ /^[0-9]+$/) ? $1 : $2}'; }

# Runs COMMAND in a fresh session of WxH (the previous one goes).
nsess=0
session() {
	local w=$1 h=$2 old=$sess
	nsess=$((nsess + 1))
	sess=top$nsess
	T new-session -d -s "$sess" -x "$w" -y "$h" "$3"
	[ -n "$old" ] && T kill-session -t "$old" 2>/dev/null
}

# Starts dmabuf-top ARGS in a session of WxH, in a shell that reports how it ended.
start() {
	local w=$1 h=$2
	shift 2
	session "$w" "$h" "stty -g > $work/stty.before; $(printf '%q ' "$tool" "$@");
		echo \"EXIT=\$?\"; stty -g > $work/stty.after; sleep 600"
}

# After dmabuf-top ended: its status, the primary screen, the tty modes back.
check_restored() {
	local what=$1 want=${2:-0}
	wait_for "EXIT=" || true
	screen | grep -q "EXIT=$want"
	check $? "$what: exit status $want"
	[ "$(T display -p -t "$sess" '#{alternate_on}')" = 0 ]
	check $? "$what: the alternate screen is left"
	[ "$(T display -p -t "$sess" '#{cursor_flag}')" = 1 ]
	check $? "$what: the cursor is visible again"
	# the shell writes it after "EXIT=": on a loaded machine that takes a while
	for _ in $(seq 50); do
		[ -s "$work/stty.after" ] && break
		sleep 0.1
	done
	[ -s "$work/stty.after" ] && cmp -s "$work/stty.before" "$work/stty.after"
	check $? "$what: the terminal modes are restored (stty -g)"
	rm -f "$work/stty.after"
}

fixture_tests() {
	local label=$1 fx=$top/tests/fixtures/$1
	local n hdr w out line first last pid title0 expect

	n=$("$cli" --root "$fx" ls --no-headers 2>/dev/null | wc -l)
	start 160 40 --root "$fx" -d 1
	title0=$(T display -p -t "$sess" '#{pane_title}')
	wait_for "$n buffers"
	check $? "[$label] the title counts $n buffers"

	# buffers: the CLI's column names, every buffer, the hostile names escaped
	hdr=$("$cli" --root "$fx" ls 2>/dev/null | head -n1)
	out=$(screen)
	for w in $hdr; do
		printf '%s\n' "$out" | grep -E "^ +INO" | grep -qw -- "$w" || break
	done
	printf '%s\n' "$out" | grep -E "^ +INO" | grep -qw -- "$w"
	check $? "[$label] buffers view: the CLI's columns ($hdr)"
	[ "$(inos | sort -n | tr '\n' ' ')" = "$(seq 1 "$n" | tr '\n' ' ')" ]
	check $? "[$label] buffers view: every buffer is listed once"
	printf '%s\n' "$out" | grep -qF '\x1b]0;t\x07\x1b[31mred\x1b[0m\x09x\xff\xc3('
	check $? "[$label] the hostile buffer name is shown escaped, byte for byte"
	printf '%s\n' "$out" | grep -qF 'two\x0alines'
	check $? "[$label] a newline in a name is shown as \\x0a"
	[ "$(T display -p -t "$sess" '#{pane_title}')" = "$title0" ]
	check $? "[$label] the hostile name did not set the terminal title (OSC 0)"
	[ "$(screen | wc -l)" = 40 ] && screen | tail -n1 | grep -q 'D dynamic'
	check $? "[$label] the layout holds: 40 lines, the legend on the last"

	# a refresh that changes nothing sends the terminal only what moved (the clock,
	# the history): a full screen is more than 6000 bytes
	T pipe-pane -t "$sess" -o "cat > $work/bytes"
	sleep 3.5
	T pipe-pane -t "$sess"
	w=$(wc -c < "$work/bytes")
	[ "$w" -gt 0 ] && [ "$w" -lt 1200 ]
	check $? "[$label] three steady refreshes send $w bytes to the terminal (< 1200)"

	# the default sort: -size, largest first
	first=$(rows INO | head -n1 | awk '{print $2}')
	screen | grep -q 'sort -size' && [ "$first" = 8.0K ]
	check $? "[$label] sorted by -size: the first row is 8.0K (got $first)"
	keys '<'
	wait_for 'sort -ino'
	check $? "[$label] < sorts by the previous column, ino, descending"
	[ "$(inos | head -n1)" = "$n" ]
	check $? "[$label] sorted by -ino: the first row is $n"
	keys r
	wait_for 'sort ino'
	[ "$(inos | tr '\n' ' ')" = "$(seq 1 "$n" | tr '\n' ' ')" ]
	check $? "[$label] r reverses: ino ascending"
	keys '>' '>' '>'
	wait_for 'sort state'
	check $? "[$label] > moves to state, a column sorted by its text"
	keys '>' '>' '>' '>'
	wait_for 'sort name'
	check $? "[$label] ... and on to name"
	keys '>'
	wait_for 'sort -ino'
	check $? "[$label] ... and round to ino"

	# the text filter, applied as typed
	keys /
	wait_for 'filter: _'
	check $? "[$label] / opens the filter prompt"
	keys l a b
	wait_for 'filter /lab'
	expect=$("$cli" --root "$fx" ls --no-headers -o ino,exporter,name,devices,owners,state \
		2>/dev/null | grep -ci lab)
	[ "$(inos | wc -l)" = "$expect" ]
	check $? "[$label] /lab shows the $expect rows with 'lab' in a cell (got $(inos | wc -l))"
	keys Escape
	wait_gone 'filter /lab'
	[ "$(inos | wc -l)" = "$n" ]
	check $? "[$label] Esc in the prompt restores the rows"
	keys / 3 1 m r e d Enter
	wait_for 'filter /31mred'
	[ "$(inos | tr '\n' ' ')" = "2 " ]
	check $? "[$label] /31mred finds the hostile name by its escaped text"
	keys c
	wait_gone 'filter /'
	[ "$(inos | wc -l)" = "$n" ]
	check $? "[$label] c clears the filters"

	# the pid and exporter filters
	pid=$("$cli" --root "$fx" procs --no-headers -o pid,comm 2>/dev/null |
		awk '$2 == "holder-all" {print $1}')
	keys p C-u $pid Enter
	wait_for "pid=$pid"
	expect=$("$cli" --root "$fx" --pid "$pid" ls --no-headers 2>/dev/null | wc -l)
	[ -n "$pid" ] && [ "$(inos | wc -l)" = "$expect" ]
	check $? "[$label] p $pid: the $expect buffers of holder-all"
	keys c e C-u dmabuf_lab Enter
	wait_for 'exporter=dmabuf_lab'
	expect=$("$cli" --root "$fx" --exporter dmabuf_lab ls --no-headers 2>/dev/null | wc -l)
	[ "$(inos | wc -l)" = "$expect" ] && ! rows INO | grep -qw drm
	check $? "[$label] e dmabuf_lab: its $expect buffers only"
	keys c

	# the other views
	keys 2
	wait_for 'GROWTH'
	out=$(screen)
	hdr=$("$cli" --root "$fx" procs 2>/dev/null | head -n1)
	for w in $hdr; do printf '%s\n' "$out" | grep -qw -- "$w" || break; done
	printf '%s\n' "$out" | grep -qw -- "$w" && printf '%s\n' "$out" | grep -q 'holder-all' &&
		printf '%s\n' "$out" | grep -qF 'kid\x1b[1m\x09x'
	check $? "[$label] 2: processes, the CLI's columns, the hostile comm escaped"
	rows PID | head -n1 | grep -qE 'run_mkbufs|holder-all'
	check $? "[$label] processes sorted by -rss: a holder of every buffer first"
	pid=$(rows PID | head -n1 | awk '{print $1}')
	keys g Enter
	wait_for "pid=$pid"
	screen | grep -q '^ *INO  *SIZE' &&
		[ "$(inos | wc -l)" = "$("$cli" --root "$fx" --pid "$pid" ls --no-headers 2>/dev/null | wc -l)" ]
	check $? "[$label] Enter on a process: its buffers"
	keys c 3
	wait_for 'UNOWNED'
	screen | grep -E '^ +[0-9]' | grep -q dmabuf_lab
	check $? "[$label] 3: exporters"
	keys 4
	wait_for 'MISMATCH'
	screen | grep -q 'dmabuf_lab_imp.0'
	check $? "[$label] 4: devices"
	keys 5
	wait_for '`- own'
	out=$(screen)
	printf '%s\n' "$out" | grep -q '|- att dmabuf_lab_imp.0 importer=static' &&
		printf '%s\n' "$out" | grep -qE -- '- own [0-9]+ holder-all fds'
	check $? "[$label] 5: the tree, attachments with their flags, owners with fds and maps"
	keys Tab
	wait_for 'sort -size'
	screen | grep -q 'INO' && ! screen | grep -q -- '- att'
	check $? "[$label] Tab goes round to the buffers view"

	# the detail pane of the lab's dynamic buffer
	keys / l a b - d y n Enter
	wait_for 'lab-dynamic'
	keys Enter
	wait_for 'provenance:'
	out=$(screen)
	printf '%s\n' "$out" | grep -q 'attachments: 4' &&
		printf '%s\n' "$out" | grep -q 'importer=dynamic' &&
		printf '%s\n' "$out" | grep -q 'owners: 2' &&
		printf '%s\n' "$out" | grep -qE 'holder-all fds [0-9]+ maps' &&
		printf '%s\n' "$out" | grep -qE 'exporter_dynamic +lab'
	check $? "[$label] Enter: the detail pane (attachments with flags, owners, provenance)"
	keys Escape
	wait_gone 'provenance:'
	check $? "[$label] Esc closes the detail pane"
	keys c

	# help, pause
	keys h
	wait_for 'keys:'
	screen | grep -q 'state letters'
	check $? "[$label] h: the help"
	keys x
	wait_gone 'keys:'
	check $? "[$label] any key leaves the help"
	keys '?'
	wait_for 'keys:'
	check $? "[$label] ? opens the help too"
	keys Escape
	wait_gone 'keys:'
	keys Space
	wait_for '[PAUSED]'
	check $? "[$label] Space pauses"
	line=$(screen | head -n1)
	sleep 2.2
	[ "$(screen | head -n1)" = "$line" ]
	check $? "[$label] paused: no refresh redraws the title"
	keys Space
	wait_gone '[PAUSED]'
	check $? "[$label] Space resumes"

	# resize to 40x12, tiny, and back
	T resize-window -t "$sess" -x 40 -y 12
	sleep 0.5
	out=$(screen)
	[ "$(printf '%s\n' "$out" | wc -l)" = 12 ] &&
		printf '%s\n' "$out" | head -n1 | grep -q "^dmabuf-top  $n buffers" &&
		printf '%s\n' "$out" | grep -q '^ *INO  *SIZE' &&
		[ "$(printf '%s\n' "$out" | grep -cE '^[-+~ ] +[0-9]+ ')" -ge 5 ] &&
		printf '%s\n' "$out" | tail -n1 | grep -q '^D dynamic'
	check $? "[$label] 40x12: title, header, rows and legend fit"
	! printf '%s\n' "$out" | awk 'length($0) > 40 {bad = 1} END {exit !bad}'
	check $? "[$label] 40x12: no line is wider than 40 columns"
	keys 2
	wait_for 'PID'
	check $? "[$label] 40x12: keys still work"
	keys 1
	T resize-window -t "$sess" -x 16 -y 4
	sleep 0.4
	screen | grep -q 'too small'
	check $? "[$label] 16x4: says the terminal is too small"
	T resize-window -t "$sess" -x 160 -y 40
	sleep 0.5
	[ "$(inos | wc -l)" = "$n" ] && screen | grep -q 'exporters:'
	check $? "[$label] back to 160x40: the whole screen again"

	keys q
	check_restored "[$label] q"
}

colour_tests() {
	local fx=$top/tests/fixtures/$1 out
	start 120 40 --root "$fx" -d 1
	wait_for 'D dynamic'
	out=$(T capture-pane -p -e -t "$sess")
	printf '%s\n' "$out" | grep -qE $'\e\\[([0-9]+;)*3[1-6](;[0-9]+)*m'
	check $? "[$1] colour: state letters and legend are coloured"
	keys q
	wait_for 'EXIT='
	start 120 40 --root "$fx" -d 1 --no-color
	wait_for 'D dynamic'
	out=$(T capture-pane -p -e -t "$sess")
	! printf '%s\n' "$out" | grep -qE $'\e\\[([0-9]+;)*(3[0-8]|4[0-8])(;[0-9]+)*m' &&
		screen | grep -qE 'DM.P.|-M...'
	check $? "[$1] --no-color: no colour at all (not even from a name), the letters remain"
	keys q
	wait_for 'EXIT='
}

signal_tests() {
	local fx=$top/tests/fixtures/$1 pane child sig
	for sig in TERM HUP; do
		start 100 30 --root "$fx" -d 1
		wait_for 'D dynamic'
		pane=$(T display -p -t "$sess" '#{pane_pid}')
		child=$(ps -o pid= --ppid "$pane" | head -n1 | tr -d ' ')
		[ -n "$child" ] && kill -s "$sig" "$child"
		check_restored "[$1] SIG$sig"
	done
	start 100 30 --root "$fx" -d 1
	wait_for 'D dynamic'
	keys C-c
	check_restored "[$1] Ctrl-C"
	# a locale without UTF-8: every byte >= 0x80 escaped, the history in ASCII
	session 160 40 "env LANG=C LC_ALL=C $(printf '%q ' "$tool" --root "$fx" -d 1); sleep 600"
	wait_for 'D dynamic'
	! screen | LC_ALL=C grep -q $'[\x80-\xff]' && screen | grep -qF '\xff\xc3('
	check $? "[$1] C locale: nothing but ASCII reaches the terminal"
	keys q
}

for label in 6.1 7.3; do
	if [ ! -d "$top/tests/fixtures/$label" ]; then
		echo "ok - [$label] # SKIP no fixture"
		continue
	fi
	fixture_tests "$label"
	colour_tests "$label"
	signal_tests "$label"
done

# usage errors say so, in the CLI's way
"$tool" -b -n 1 --root "$top/tests/fixtures/7.3" --sort nosuch >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -q "cannot sort" "$work/err"
check $? "an unknown sort column is a usage error (2)"
"$tool" --root "$top/tests/fixtures/7.3" </dev/null >/dev/null 2>"$work/err"
[ $? = 2 ] && grep -q "not a terminal" "$work/err"
check $? "no terminal and no -b: a usage error that says -b"
"$tool" -b -n 1 --replay "$work/none" >/dev/null 2>&1
[ $? = 3 ]
check $? "--replay of a missing bundle: could not run (3)"
out=$("$tool" -b -n 1 --replay "$top/tests/fixtures/7.3" --bytes -o ino,size,name 2>/dev/null)
printf '%s\n' "$out" | grep -qE '^ +11 +8192 +lab-dynamic$'
check $? "--replay DIR reads a bundle directory like --root"
# a report archive (dmabuf report): unpacked privately, gone at exit, signal or not
mkdir -p "$work/tmp"
if "$cli" --root "$top/tests/fixtures/7.3" report -o "$work/bundle.tar.gz" >/dev/null 2>&1; then
	out=$(TMPDIR=$work/tmp "$tool" -b -n 1 --replay "$work/bundle.tar.gz" --bytes \
		-o ino,size,name 2>/dev/null)
	printf '%s\n' "$out" | grep -qE '^ +11 +8192 +lab-dynamic$'
	check $? "--replay ARCHIVE: a report archive replays"
	[ -z "$(ls -A "$work/tmp")" ]
	check $? "--replay ARCHIVE: its temporary directory is gone at exit"
	session 120 30 "TMPDIR=$work/tmp $(printf '%q ' "$tool" --replay "$work/bundle.tar.gz" -d 1);
		echo EXIT=\$?; sleep 600"
	wait_for 'lab-dynamic'
	check $? "--replay ARCHIVE on the screen"
	pane=$(T display -p -t "$sess" '#{pane_pid}')
	child=$(ps -o pid= --ppid "$pane" | head -n1 | tr -d ' ')
	[ -n "$child" ] && kill -s TERM "$child"
	wait_for 'EXIT=0'
	[ -z "$(ls -A "$work/tmp")" ]
	check $? "--replay ARCHIVE: SIGTERM restores the terminal and removes the directory"
else
	echo "ok - --replay ARCHIVE # SKIP dmabuf report could not make an archive"
fi
exit $fail
