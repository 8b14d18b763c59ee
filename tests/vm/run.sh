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

console=$vmdir/console.log
results=$vmdir/results.log
rm -f "$console" "$results"
read -r -a accel <<< "$(qemu_accel)"
read -r -a extra <<< "${QEMU_EXTRA:-}"
case " ${QEMU_EXTRA:-} " in *" -icount "*) accel=(-accel tcg -cpu max) ;; esac
case $label in *-debug) slow=3 ;; *) slow=1 ;; esac
vm_timeout=${VM_TIMEOUT:-$((1500 * slow))}
test_timeout=${TEST_TIMEOUT:-$((300 * slow))}
append="console=ttyS0 panic=-1 oops=panic loglevel=4 rdinit=/init dmabuf.mode=$mode"
append+=" dmabuf.test_timeout=$test_timeout${run_args:+ dmabuf.run=$run_args}"
# the kernel console and its log, or the user's terminal
serial=(-serial file:"$console")
timeout=(timeout -k 10)
if [ $tty = 1 ]; then
	vm_timeout=${VM_TIMEOUT:-3600}
	read -r rows cols < <(stty size 2>/dev/null || echo 24 80)
	term=${TERM:-vt100}
	case $term in *[!A-Za-z0-9._+-]*) term=vt100 ;; esac
	append+=" dmabuf.tty=1 dmabuf.rows=${rows:-24} dmabuf.cols=${cols:-80} dmabuf.term=$term"
	# mux: Ctrl-a x quits QEMU; signal=off: Ctrl-c is the guest's
	serial=(-chardev stdio,id=con,mux=on,signal=off -serial chardev:con)
	# QEMU reads the terminal: it stays in the terminal's foreground group
	timeout=(timeout --foreground -k 10)
	saved_tty=$(stty -g)
	trap 'stty "$saved_tty" 2>/dev/null || stty sane 2>/dev/null || true' EXIT
	trap 'exit 130' INT TERM HUP
fi
step "boot $KVER (${accel[1]}, ${VM_SMP:-2} cpus${QEMU_EXTRA:+, $QEMU_EXTRA}, timeout ${vm_timeout}s)"
start=$(date +%s)
rc=0
[ $tty = 1 ] || exec </dev/null
"${timeout[@]}" "$vm_timeout" qemu-system-x86_64 "${accel[@]}" -m 2G -smp "${VM_SMP:-2}" \
	"${extra[@]}" \
	-kernel "$VMLINUZ" -initrd "$vmdir/initramfs.cpio.gz" -append "$append" \
	-display none -vga none -monitor none -no-reboot \
	"${serial[@]}" -serial file:"$results" || rc=$?
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

if [ "$mode" = run ]; then
	# on a terminal the output was shown as it came
	[ $tty = 1 ] || sed -n '/^@@ RUN BEGIN/,/^@@ RUN END/{/^@@/!p}' "$results" | tr -d '\r'
	if ! grep -q '^@@ RUN END rc=0' "$results"; then
		[ $tty = 1 ] && die "guest program '$*' failed; see $results"
		die "guest program '$*' failed; see $results and $console"
	fi
	exit 0
fi

awk -v kernel="$label" -f "$here/judge.awk" "$results" "$console" > "$vmdir/results.tap"
grep '^not ok' "$vmdir/results.tap" | sed 's/^/  /' || true
# where the guest's time went: the five slowest tests
awk '/^@@ END .* s=[0-9]+/ { s = $NF; sub(/^s=/, "", s); print s, $3 }' "$results" |
	sort -rn | head -n5 | awk '{ l = l (NR > 1 ? ", " : "") $2 " " $1 "s" } END { if (l != "") print "  slowest: " l }'
"$top/tests/tally" /dev/null "$vmdir/results.tap" | tail -n1 | sed "s/^/$label: /"
! grep -q '^not ok' "$vmdir/results.tap"
