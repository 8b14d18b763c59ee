#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tests/vm/run.sh check LABEL
# tests/vm/run.sh run LABEL PROGRAM [ARG...]
#
# Prepares test kernel LABEL (tests/vm/kernel.sh), builds the suite and the
# guest tests statically (BPF objects once, CO-RE, against the newest test
# kernel's BTF), builds dmabuf_lab.ko for LABEL, packs an initramfs, boots it
# under QEMU with a hard timeout and judges the run:
#   check  every guest TAP line, the guest's exit codes, the end marker, and
#          the guest's whole dmesg (WARNING/BUG/Oops/panic fail the run);
#          writes OUTPUT/vm/LABEL/results.tap and prints the closing line.
#   run    runs the guest program /t/PROGRAM (tests/vm/guest/run_*: the demo,
#          fixture capture) instead of the tests and prints its output.
# Environment: DMABUF_CACHE (downloads, chroot; default .cache), OUTPUT
# (default build), VM_TIMEOUT seconds for the whole guest and TEST_TIMEOUT for
# each guest test (default 1500 and 300; three times that on a *-debug kernel,
# where KASAN and lockdep slow everything down), VM_SMP vCPUs (default 2),
# VM_SHARDS guests to split the tests between, booted side by side (default 2
# on a *-debug kernel, else 1; the plan uses the last run's times, kept in
# DMABUF_CACHE/timings-LABEL, first those of tests/vm/timings-LABEL), VM_TESTS
# a comma-separated list of guest tests to run instead of all (one guest),
# VM_INITRD_EXTRA a second gzip'd cpio the kernel unpacks over the
# initramfs (bench/run.sh adds bpftrace with it),
# QEMU_EXTRA more QEMU arguments, split at blanks (bench/snapshot.sh passes
# "-icount shift=0"; -icount implies TCG), MAKE.
# VM_TTY=1, or auto when stdin and stdout are a terminal (make demo), in run
# mode: the terminal becomes the guest's console, ttyS0 (QEMU's Ctrl-a x
# quits), for an interactive program; its size and TERM reach the guest on
# the kernel command line, the program's output is shown as it comes (and
# kept in results.log), and the terminal's settings are put back at the end.
# The guest's timeout is then an hour unless VM_TIMEOUT says otherwise.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

[ $# -ge 2 ] || die "usage: run.sh check LABEL | run.sh run LABEL PROGRAM [ARG...]"
mode=$1 label=$2
shift 2
case $mode in
check) [ $# -eq 0 ] || die "check takes no program" ;;
run) [ $# -ge 1 ] || die "run needs a guest program (tests/vm/guest/run_*)"
     case "$*" in *,*) die "guest program arguments cannot contain commas" ;; esac ;;
*) die "unknown mode '$mode'" ;;
esac
run_args=$(IFS=,; echo "$*")
tty=0
case ${VM_TTY:-0} in
0) ;;
1) tty=1 ;;
auto) [ -t 0 ] && [ -t 1 ] && tty=1 ;;
*) die "VM_TTY is 0, 1 or auto, not '$VM_TTY'" ;;
esac
[ "$mode" = run ] || tty=0
cache=${DMABUF_CACHE:-$top/.cache}
mkdir -p "$cache"
cache=$(cd "$cache" && pwd)
output=${OUTPUT:-build}
case $output in /*) ;; *) output=$top/$output ;; esac
make=${MAKE:-make}

# The BPF objects are built once, against the BTF of the newest test kernel.
btf_label=7.3
"$here/kernel.sh" prepare "$btf_label" "$cache"
[ "$label" = "$btf_label" ] || "$here/kernel.sh" prepare "$label" "$cache"
btf=$(. "$cache/kernel-$btf_label.env" && echo "$BTF")
# shellcheck disable=SC1090
. "$cache/kernel-$label.env"

guest=$output/guest
step "build static tools and guest tests"
"$make" -s -C "$top" OUTPUT="$guest" STATIC=1 VMLINUX_BTF="$btf" guest-bins

vmdir=$output/vm/$label
mkdir -p "$vmdir"
step "build dmabuf_lab.ko for $KVER"
"$top/scripts/build-kmod" "$KDIR" "$vmdir" "$CHROOT"

step "pack initramfs"
"$here/mkinitramfs.sh" "$vmdir/initramfs.cpio.gz" "$KVER" "$MODROOT" "$vmdir/dmabuf_lab.ko" \
	"$guest/t" "$guest/bin"
if [ -n "${VM_INITRD_EXTRA:-}" ]; then
	[ -f "$VM_INITRD_EXTRA" ] || die "VM_INITRD_EXTRA: no file '$VM_INITRD_EXTRA'"
	cat "$VM_INITRD_EXTRA" >> "$vmdir/initramfs.cpio.gz"	# the kernel unpacks both
fi

read -r -a accel <<< "$(qemu_accel)"
read -r -a extra <<< "${QEMU_EXTRA:-}"
case " ${QEMU_EXTRA:-} " in *" -icount "*) accel=(-accel tcg -cpu max) ;; esac
case $label in *-debug) slow=3 ;; *) slow=1 ;; esac
vm_timeout=${VM_TIMEOUT:-$((1500 * slow))}
test_timeout=${TEST_TIMEOUT:-$((300 * slow))}
append="console=ttyS0 panic=-1 oops=panic loglevel=4 rdinit=/init dmabuf.mode=$mode"
append+=" dmabuf.test_timeout=$test_timeout${run_args:+ dmabuf.run=$run_args}"
# the kernel console and its log, or the user's terminal
serial_console() { serial=(-serial file:"$1"); }
timeout=(timeout -k 10)
if [ $tty = 1 ]; then
	vm_timeout=${VM_TIMEOUT:-3600}
	read -r rows cols < <(stty size 2>/dev/null || echo 24 80)
	term=${TERM:-vt100}
	case $term in *[!A-Za-z0-9._+-]*) term=vt100 ;; esac
	append+=" dmabuf.tty=1 dmabuf.rows=${rows:-24} dmabuf.cols=${cols:-80} dmabuf.term=$term"
	# mux: Ctrl-a x quits QEMU; signal=off: Ctrl-c is the guest's
	serial_console() { serial=(-chardev stdio,id=con,mux=on,signal=off -serial chardev:con); }
	# QEMU reads the terminal: it stays in the terminal's foreground group
	timeout=(timeout --foreground -k 10)
	saved_tty=$(stty -g)
	trap 'stty "$saved_tty" 2>/dev/null || stty sane 2>/dev/null || true' EXIT
	trap 'exit 130' INT TERM HUP
fi

# boot_vm CONSOLE RESULTS [KERNEL ARGS]: one guest; its QEMU status in $rc
boot_vm() {
	local serial
	serial_console "$1"
	rm -f "$1" "$2"
	rc=0
	"${timeout[@]}" "$vm_timeout" qemu-system-x86_64 "${accel[@]}" -m 2G -smp "${VM_SMP:-2}" \
		"${extra[@]}" \
		-kernel "$VMLINUZ" -initrd "$vmdir/initramfs.cpio.gz" -append "$append${3:+ $3}" \
		-display none -vga none -monitor none -no-reboot \
		"${serial[@]}" -serial file:"$2" || rc=$?
}

# boot_guest CONSOLE RESULTS [KERNEL ARGS]: boot_vm, and once more when the
# kernel died before /init wrote a line (no "@@ BOOT": under TCG a boot can
# oops in the kernel's own code patching, before anything of ours ran); the
# first boot's console is kept beside as CONSOLE.first-boot. Not on a
# terminal (make demo): there the user may have quit.
boot_guest() {
	boot_vm "$@"
	if [ $tty = 0 ] && ! grep -q '^@@ BOOT' "$2" 2>/dev/null; then
		cp "$1" "$1.first-boot" 2>/dev/null || true
		warn "the guest died before /init ran (qemu exit $rc; $1.first-boot): booting it again"
		boot_vm "$@"
	fi
}

console=$vmdir/console.log
results=$vmdir/results.log
[ $tty = 1 ] || exec </dev/null

# The tests may be split between guests booted side by side (VM_SHARDS; two
# on a debug kernel, where most of a guest's time is the kernel's): the
# longest first by their last run's times (kept in the cache), each to the
# guest with the least so far; a guest runs its tests in name order.
shards=1
[ "$mode" = check ] && shards=${VM_SHARDS:-$([ "$slow" -gt 1 ] && echo 2 || echo 1)}
[ -z "${VM_TESTS:-}" ] || shards=1
case $shards in [1-8]) ;; *) die "VM_SHARDS is 1 to 8, not '$shards'" ;; esac
if [ "$shards" -gt 1 ]; then
	timings=$cache/timings-$label
	# a first run plans with the times the project measured (tests/vm/timings-LABEL)
	[ -f "$timings" ] || ! [ -f "$here/timings-$label" ] || cp "$here/timings-$label" "$timings"
	plan=$(for t in "$guest/t"/*; do
		n=${t##*/}
		[ -x "$t" ] && [ "${n#run_}" = "$n" ] || continue
		w=0
		[ -f "$timings" ] && w=$(awk -v n="$n" '$1 == n { w = $2 } END { print w + 0 }' "$timings")
		echo "$w $n"
	done | sort -k1,1nr -k2 | awk -v k="$shards" '
		{ best = 0; for (i = 1; i < k; i++) if (load[i] < load[best]) best = i
		  load[best] += $1 + 1; list[best] = list[best] (list[best] == "" ? "" : ",") $2 }
		END { for (i = 0; i < k; i++) print list[i] }')
	step "boot $KVER as $shards guests side by side (${accel[1]}, ${VM_SMP:-2} cpus each, timeout ${vm_timeout}s)"
	start=$(date +%s)
	i=0
	while read -r list; do
		( boot_guest "$vmdir/console-$i.log" "$vmdir/results-$i.log" "dmabuf.tests=$list"
		  echo $rc > "$vmdir/qemu-$i.rc" ) &
		i=$((i + 1))
	done <<< "$plan"
	wait
	rc=0
	for i in $(seq 0 $((shards - 1))); do
		r=$(cat "$vmdir/qemu-$i.rc" 2>/dev/null || echo 1)
		[ "$r" = 0 ] || rc=$r
		[ "$r" = 124 ] && warn "guest $i timed out after ${vm_timeout}s"
	done
	step "guests ran $(( $(date +%s) - start ))s, qemu exit $rc"
	# the slowest-test line and the next run's plan read every guest's log
	cat "$vmdir"/results-[0-9]*.log > "$results"
	cat "$vmdir"/console-[0-9]*.log > "$console"
	awk '/^@@ END .* s=[0-9]+/ { s = $NF; sub(/^s=/, "", s); print $3, s }' "$results" \
		> "$timings.tmp" && mv "$timings.tmp" "$timings"
else
	step "boot $KVER (${accel[1]}, ${VM_SMP:-2} cpus${QEMU_EXTRA:+, $QEMU_EXTRA}, timeout ${vm_timeout}s)"
	start=$(date +%s)
	boot_guest "$console" "$results" ${VM_TESTS:+"dmabuf.tests=$VM_TESTS"}
	if [ $tty = 1 ]; then
		# QEMU puts the terminal back when it ends; not when it is killed
		stty "$saved_tty" 2>/dev/null || stty sane 2>/dev/null || true
		# a program cut off (timeout, Ctrl-a x) may have left a full screen, no cursor
		if ! grep -q '^@@ RUN END' "$results" 2>/dev/null; then
			tput rmcup 2>/dev/null || true
			tput cnorm 2>/dev/null || true
			tput sgr0 2>/dev/null || true
			echo
		fi
	fi
	step "guest ran $(( $(date +%s) - start ))s, qemu exit $rc"
	[ $rc -eq 124 ] && warn "the guest timed out after ${vm_timeout}s"
fi

if [ "$mode" = run ]; then
	# on a terminal the output was shown as it came
	[ $tty = 1 ] || sed -n '/^@@ RUN BEGIN/,/^@@ RUN END/{/^@@/!p}' "$results" | tr -d '\r'
	if ! grep -q '^@@ RUN END rc=0' "$results"; then
		[ $tty = 1 ] && die "guest program '$*' failed; see $results"
		die "guest program '$*' failed; see $results and $console"
	fi
	exit 0
fi

if [ "$shards" -gt 1 ]; then
	for i in $(seq 0 $((shards - 1))); do
		awk -v kernel="$label" -f "$here/judge.awk" "$vmdir/results-$i.log" "$vmdir/console-$i.log"
	done > "$vmdir/results.tap"
else
	awk -v kernel="$label" -f "$here/judge.awk" "$results" "$console" > "$vmdir/results.tap"
fi
grep '^not ok' "$vmdir/results.tap" | sed 's/^/  /' || true
# where the guest's time went: the five slowest tests
awk '/^@@ END .* s=[0-9]+/ { s = $NF; sub(/^s=/, "", s); print s, $3 }' "$results" |
	sort -rn | head -n5 | awk '{ l = l (NR > 1 ? ", " : "") $2 " " $1 "s" } END { if (l != "") print "  slowest: " l }'
"$top/tests/tally" /dev/null "$vmdir/results.tap" | tail -n1 | sed "s/^/$label: /"
! grep -q '^not ok' "$vmdir/results.tap"
