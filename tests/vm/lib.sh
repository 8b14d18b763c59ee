# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Shell helpers shared by the test-kernel harness (sourced, not run).

die() { echo "error: $*" >&2; exit 1; }
warn() { echo "warning: $*" >&2; }
step() { echo "  VM      $*"; }

# The Debian mirror this machine's apt already uses: never written into the project.
debian_mirror() {
	local m
	m=$(awk '/^URIs:/ {u = $2} /^Suites:/ && u != "" && $0 !~ /security/ {print u; exit}' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null || true)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $0 !~ /security/ {for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) {print $i; exit}}' \
		/etc/apt/sources.list 2>/dev/null || true)
	printf '%s\n' "$m"
}

# in_chroot DIR CMD... : run CMD in DIR with /proc mounted (objtool and apt read it).
in_chroot() {
	local dir=$1 rc=0
	shift
	mkdir -p "$dir/proc"
	mountpoint -q "$dir/proc" || mount -t proc proc "$dir/proc"
	chroot "$dir" "$@" || rc=$?
	umount "$dir/proc" 2>/dev/null || umount -l "$dir/proc" 2>/dev/null || true
	return $rc
}

# The accelerator: KVM only with real hardware virtualisation (vmx/svm) and
# not PVM, on which stock kernels hang; TCG otherwise.
qemu_accel() {
	if [ -w /dev/kvm ] && grep -qwE 'vmx|svm' /proc/cpuinfo && [ ! -d /sys/module/kvm_pvm ]; then
		echo "-accel kvm -cpu host"
	else
		echo "-accel tcg -cpu max"
	fi
}
