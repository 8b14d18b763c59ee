#!/bin/sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# run_capture.sh - fixture capture, not a test (tests/fixtures/capture.sh
# runs it through `make run-vm`). Starts /t/run_mkbufs, then copies the raw
# sources the collectors read into a root tree /tmp/cap:
#   sys/kernel/debug/dma_buf/bufinfo
#   sys/kernel/debug/dmabuf_lab/state            (when dmabuf_lab is loaded)
#   proc/sys/kernel/osrelease
#   proc/PID/{comm,maps,fdinfo/N,fd/N}           fd/N: symlinks holding the
#                                                kernel's link text
# for the processes that hold or map a dma-buf only, and prints it as
# "tar | gzip | base64" between "@@ CAPTURE BEGIN" and "@@ CAPTURE END".
# CAPTURE.txt beside the tree keeps run_mkbufs' manifest (what it made).
set -u
cap=/tmp/cap
ready=/tmp/mkbufs.ready
rm -rf "$cap" "$ready"
mkdir -p "$cap/sys/kernel/debug/dma_buf" "$cap/proc/sys/kernel"

/t/run_mkbufs "$ready" > /tmp/mkbufs.log 2>&1 &
mk=$!
i=0
while [ ! -s "$ready" ] && [ $i -lt 100 ]; do
	kill -0 $mk 2>/dev/null || break
	sleep 0.2
	i=$((i + 1))
done
if [ ! -s "$ready" ]; then
	echo "run_mkbufs did not get ready:"
	cat /tmp/mkbufs.log
	exit 1
fi

# The sources, bufinfo first: nothing changes while they are copied.
cat /sys/kernel/debug/dma_buf/bufinfo > "$cap/sys/kernel/debug/dma_buf/bufinfo"
if [ -r /sys/kernel/debug/dmabuf_lab/state ]; then
	mkdir -p "$cap/sys/kernel/debug/dmabuf_lab"
	cat /sys/kernel/debug/dmabuf_lab/state > "$cap/sys/kernel/debug/dmabuf_lab/state"
fi
cat /proc/sys/kernel/osrelease > "$cap/proc/sys/kernel/osrelease"

# Does process directory $1 hold or map a dma-buf?
holds_dmabuf() {
	for f in "$1"/fd/*; do
		case $(readlink "$f" 2>/dev/null) in
		/dmabuf:*|anon_inode:dmabuf) return 0 ;;
		esac
	done
	grep -q ' /dmabuf:' "$1/maps" 2>/dev/null
}

for d in /proc/[0-9]*; do
	pid=${d#/proc/}
	[ "$pid" = $$ ] && continue
	holds_dmabuf "$d" || continue
	out=$cap/proc/$pid
	mkdir -p "$out/fd" "$out/fdinfo"
	cat "$d/comm" > "$out/comm" 2>/dev/null
	cat "$d/maps" > "$out/maps" 2>/dev/null
	for f in "$d"/fd/*; do
		n=${f##*/}
		# the link text byte for byte ($(...) only drops trailing newlines)
		t=$(readlink "$f") || continue
		ln -s "$t" "$out/fd/$n"
		cat "$d/fdinfo/$n" > "$out/fdinfo/$n" 2>/dev/null
	done
done

{
	echo "kernel $(uname -r)"
	echo "captured by tests/vm/guest/run_capture.sh (run_mkbufs manifest below)"
	cat /tmp/mkbufs.log
} > "$cap/CAPTURE.txt"
cat /tmp/mkbufs.log

echo "@@ CAPTURE BEGIN"
tar cf - -C "$cap" . | gzip -9 | base64
echo "@@ CAPTURE END"
kill $mk
wait $mk 2>/dev/null
exit 0
