#!/bin/busybox sh
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# /init of the test guests. The kernel console is ttyS0; everything the host
# harness reads goes to ttyS1 between markers:
#   @@ BOOT <release>        guest is up
#   @@ TEST <name> / @@ END <name> rc=<n> s=<seconds>   one guest test and its TAP lines
#   @@ DEBUG_LOCKS <0|1>     lockdep kernels: whether lockdep was still on
#   @@ DMESG BEGIN / END     the whole kernel log, judged by the host
#   @@ DONE                  the guest finished (missing: panic or timeout)
# With dmabuf.tty=1 (tests/vm/run.sh VM_TTY) the console is the user's
# terminal: a run program finds it as DMABUF_TTY, sized and typed as the
# host said (dmabuf.rows, dmabuf.cols, dmabuf.term), and its output is shown
# there as it comes, besides ttyS1.
/bin/busybox mkdir -p /proc /sys /dev /tmp /run /usr/bin /usr/sbin /sbin
/bin/busybox --install -s
export PATH=/usr/local/bin:/bin:/sbin:/usr/bin:/usr/sbin HOME=/root TERM=linux
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t bpf bpf /sys/fs/bpf
mount -t tmpfs tmpfs /tmp
mkdir -p /root

out=/dev/ttyS1
exec >"$out" 2>&1
echo "@@ BOOT $(uname -r)"

mode=check
run=
tests=
tty=0 rows=24 cols=80 term=vt100
for arg in $(cat /proc/cmdline); do
	case $arg in
	dmabuf.mode=*) mode=${arg#dmabuf.mode=} ;;
	dmabuf.run=*) run=$(echo "${arg#dmabuf.run=}" | tr , ' ') ;;
	dmabuf.test_timeout=*) TEST_TIMEOUT=${arg#dmabuf.test_timeout=} ;;
	dmabuf.tests=*) tests=$(echo "${arg#dmabuf.tests=}" | tr , ' ') ;;
	dmabuf.tty=*) tty=${arg#dmabuf.tty=} ;;
	dmabuf.rows=*) rows=${arg#dmabuf.rows=} ;;
	dmabuf.cols=*) cols=${arg#dmabuf.cols=} ;;
	dmabuf.term=*) term=${arg#dmabuf.term=} ;;
	esac
done
if [ "$mode" = run ] && [ "$tty" = 1 ]; then
	export DMABUF_TTY=/dev/ttyS0
	# a terminal this guest has no description of gets the common subset
	[ -f "/usr/share/terminfo/${term%"${term#?}"}/$term" ] || term=xterm
	export TERM=$term
	stty -F "$DMABUF_TTY" 115200 rows "$rows" cols "$cols"
fi

# Infrastructure checks are TAP lines too, so a broken guest fails the run.
echo "@@ TEST boot"
for m in $(cat /modules.list); do
	if insmod "/lib/modules/$m"; then
		echo "ok - insmod $m"
	else
		echo "not ok - insmod $m"
	fi
done
if insmod /lib/modules/dmabuf_lab.ko; then
	echo "ok - insmod dmabuf_lab.ko ($(cat /sys/module/dmabuf_lab/srcversion 2>/dev/null || echo loaded))"
else
	echo "not ok - insmod dmabuf_lab.ko"
fi
[ -c /dev/dmabuf_lab ] && echo "ok - /dev/dmabuf_lab exists" || echo "not ok - /dev/dmabuf_lab exists"
[ -r /sys/kernel/btf/vmlinux ] && echo "ok - kernel BTF present" || echo "not ok - kernel BTF present"
echo "@@ END boot rc=0"

if [ "$mode" = run ]; then
	# one program (demo, fixture capture), not a test: /t/run_*
	echo "@@ RUN BEGIN"
	if [ -n "${DMABUF_TTY:-}" ]; then
		(cd /tmp && /t/$run; echo $? > /tmp/run.rc) 2>&1 | tee "$DMABUF_TTY"
		echo "@@ RUN END rc=$(cat /tmp/run.rc 2>/dev/null || echo 1)"
	else
		(cd /tmp && /t/$run)
		echo "@@ RUN END rc=$?"
	fi
else
	for t in /t/*; do
		[ -x "$t" ] || continue
		name=${t##*/}
		case $name in run_*) continue ;; esac
		# one of several guests side by side runs only its share (run.sh)
		if [ -n "$tests" ]; then
			case " $tests " in *" $name "*) ;; *) continue ;; esac
		fi
		echo "@@ TEST $name"
		t0=$(cut -d. -f1 /proc/uptime)
		(cd /tmp && timeout "${TEST_TIMEOUT:-300}" "$t")
		rc=$?
		echo "@@ END $name rc=$rc s=$(($(cut -d. -f1 /proc/uptime) - t0))"
	done
fi

# lockdep turns itself off after its first report: say whether it still ran
[ -r /proc/lockdep_stats ] &&
	echo "@@ DEBUG_LOCKS $(awk '$1 == "debug_locks:" { print $2 }' /proc/lockdep_stats)"
echo "@@ DMESG BEGIN"
dmesg > /tmp/dmesg.txt
[ -s /tmp/dmesg.txt ] || { sleep 1; dmesg > /tmp/dmesg.txt; }
cat /tmp/dmesg.txt
echo "@@ DMESG END"
echo "@@ DONE"
sync
# -no-reboot turns a reboot into QEMU exiting; some configs cannot power off
reboot -f
