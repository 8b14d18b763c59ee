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
# The mount is made in a mount namespace of the command's own, so it goes with
# it: two builds in the same chroot at once (a bench beside a test run) no
# longer unmount /proc under each other.
in_chroot() {
	local dir=$1
	shift
	mkdir -p "$dir/proc"
	unshare --mount --propagation private \
		sh -c 'mount -t proc proc "$1/proc" && exec chroot "$@"' sh "$dir" "$@"
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
