#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make demo: the scenario of scenario.h, shown by the suite's tools in the guest.
# On the user's terminal (DMABUF_TTY, tests/vm/init.sh) dmabuf-top runs there,
# live, until q; elsewhere (CI, a pipe) it prints two batch snapshots.
/t/run_scenario > /tmp/scenario.txt 2>&1 &
holder=$!
i=0
until grep -q 'scenario ready' /tmp/scenario.txt 2>/dev/null; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $holder 2>/dev/null; then
		cat /tmp/scenario.txt
		exit 1
	fi
	sleep 0.1
done
cat /tmp/scenario.txt
show() {
	echo
	echo "### $*"
	"$@"
}
# dmabuf-top on the terminal until q, while a copy of the scenario comes and
# goes beside the first. Not in a session of its own with the terminal as
# its controlling tty (where Ctrl-c would end it): a session leader's exit
# hangs the terminal up, for the output shown after it too.
top_live() {
	echo
	echo "### dmabuf-top, live: the scenario, and a copy of it made and freed every few"
	echo "### seconds (+ new, - gone, event rates). 1-5 or Tab switch views, Enter shows"
	echo "### a buffer, h or ? helps, q ends it and the demo goes on. (QEMU: Ctrl-a x quits.)"
	rm -f /tmp/top.done
	(while [ ! -e /tmp/top.done ]; do /t/run_scenario 2 > /dev/null 2>&1; sleep 2; done) &
	churn=$!
	sleep 3	# time to read the above before the screen is dmabuf-top's
	# keys typed before it opened are not for it
	saved=$(stty -F "$DMABUF_TTY" -g)
	stty -F "$DMABUF_TTY" -icanon min 0 time 0 && cat "$DMABUF_TTY" > /dev/null
	stty -F "$DMABUF_TTY" "$saved"
	dmabuf-top < "$DMABUF_TTY" > "$DMABUF_TTY" 2>&1
	rc=$?
	touch /tmp/top.done
	echo "(dmabuf-top ended, exit status $rc)"
	wait $churn
	[ $rc = 0 ] || show dmabuf-top -b -n 2 -d 1 -v tree
}
echo
echo "=== kernel $(uname -r)"
show dmabuf ls
show dmabuf procs
show dmabuf devices
show dmabuf exporters
vram=$(dmabuf ls --no-headers -o ino,name | awk '$2 == "vram" {print $1}')
[ -n "$vram" ] && show dmabuf show "$vram"
show dmabuf check
echo
echo "### the load kept for the boot: a BPF snapshot after the first loads from /run/dmabuf-tools"
echo "bpf source: $(dmabuf -j --source bpf ls | grep -o '"detail":"iter/[^"]*"')"
ls -l /run/dmabuf-tools
echo
echo "### dmabuf pin   (the snapshot iterators stay loaded: every later snapshot reads them)"
if dmabuf pin; then
	echo "bpf source of the next snapshot: $(dmabuf -j --source bpf ls |
		grep -o '"detail":"iter/dmabuf[^"]*"')"
fi
if [ -n "${DMABUF_TTY:-}" ]; then
	top_live
else
	show dmabuf-top -b -n 2 -d 1 -v tree
fi
echo
echo "### the raw kernel view it is built from: cat /sys/kernel/debug/dma_buf/bufinfo"
cat /sys/kernel/debug/dma_buf/bufinfo
kill $holder
wait $holder 2>/dev/null
[ ! -d /sys/fs/bpf/dmabuf-tools ] || show dmabuf unpin

echo
echo "=== dmabuf-trace: how it attaches on this kernel, then the scenario built again, traced"
show dmabuf-trace --list-probes
dmabuf-trace --duration 8 > /tmp/trace.txt 2>&1 &
tracer=$!
sleep 3
/t/run_scenario 1 > /dev/null
wait $tracer
echo
echo "### dmabuf-trace --duration 8   (while the scenario was built and torn down)"
cat /tmp/trace.txt

echo
echo "### dmabuf-trace -q --outstanding   (quiet: no event lines; stopped while a scenario is up:"
echo "### what it exported and did not release, and who holds each buffer now)"
dmabuf-trace -q --outstanding > /tmp/out.txt 2>&1 &
tracer=$!
i=0
until grep -q 'tracing' /tmp/out.txt 2>/dev/null || [ $i -gt 600 ]; do
	i=$((i + 1))
	sleep 0.1
done
/t/run_scenario 30 > /tmp/scenario2.txt 2>&1 &
holder=$!
i=0
until grep -q 'scenario ready' /tmp/scenario2.txt 2>/dev/null || [ $i -gt 100 ]; do
	i=$((i + 1))
	sleep 0.1
done
kill -INT $tracer
wait $tracer
cat /tmp/out.txt
kill $holder
wait $holder 2>/dev/null
exit 0
