#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# make demo: the scenario of scenario.h, shown by the suite's tools in the guest.
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
echo
echo "=== kernel $(uname -r)"
show dmabuf ls
show dmabuf procs
show dmabuf devices
show dmabuf exporters
vram=$(dmabuf ls --no-headers -o ino,name | awk '$2 == "vram" {print $1}')
[ -n "$vram" ] && show dmabuf show "$vram"
show dmabuf check
show dmabuf-top -b -n 2 -d 1 -v tree
echo
echo "### the raw kernel view it is built from: cat /sys/kernel/debug/dma_buf/bufinfo"
cat /sys/kernel/debug/dma_buf/bufinfo
kill $holder
wait $holder 2>/dev/null

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
exit 0
