#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# tests/vm/kernel.sh prepare LABEL CACHE
#
# Makes a test kernel ready under CACHE and writes CACHE/kernel-LABEL.env:
#   KVER      the kernel release (resolved from Debian's archive at run time)
#   VMLINUZ   the bootable image
#   MODROOT   directory holding lib/modules/KVER (for modprobe -d)
#   KDIR      kbuild directory to build out-of-tree modules against
#   CHROOT    root to run the module build in ("" = this machine)
#   BTF       an ELF vmlinux carrying the kernel's BTF
# Labels:
#   6.1  Debian bookworm's linux-image-amd64 (this machine's own suite);
#        modules build here against the installed linux-headers-amd64.
#   7.3  trixie-backports' linux-image-amd64; modules build in a trixie
#        chroot (its kbuild tools need glibc >= 2.38 and gcc-14).
# Nothing is downloaded again once the .env file and what it names exist.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ $# -eq 3 ] && [ "$1" = prepare ] || die "usage: kernel.sh prepare LABEL CACHE"
label=$2
mkdir -p "$3"
cache=$(cd "$3" && pwd)
envfile=$cache/kernel-$label.env

env_complete() {
	[ -f "$envfile" ] || return 1
	# shellcheck disable=SC1090
	( . "$envfile" && [ -f "$VMLINUZ" ] && [ -d "$MODROOT/lib/modules/$KVER" ] &&
	  [ -f "$BTF" ] && [ -d "${CHROOT}$KDIR" ] )
}
# (the debug kernel is looked at every time: its cache key may have changed)
if [ "$label" != 6.1-debug ] && env_complete; then
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "preparing test kernels needs root (dpkg-deb, chroot, debootstrap)"

mirror=$(debian_mirror)
[ -n "$mirror" ] || die "no Debian mirror found in this machine's apt sources"

# An apt configured for other suites, that reads and writes only below the cache.
other_apt() {
	local d=$cache/apt
	mkdir -p "$d/sources" "$d/lists/partial" "$d/archives/partial"
	if [ ! -f "$d/sources/other.sources" ]; then
		printf 'Types: deb\nURIs: %s\nSuites: trixie trixie-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			"$mirror" > "$d/sources/other.sources"
	fi
	local tool=$1
	shift
	"$tool" -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$d/sources" \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d" \
		-o Dir::State::status=/var/lib/dpkg/status -o APT::Default-Release= \
		-o APT::Sandbox::User=root "$@"
}

# Unpacks the named packages (downloaded into the cache) into DEST.
fetch_and_unpack() {
	local dest=$1 how=$2
	shift 2
	mkdir -p "$cache/debs" "$dest"
	local p deb
	for p in "$@"; do
		deb=$(ls "$cache/debs/${p}_"*.deb 2>/dev/null | head -n1 || true)
		if [ -z "$deb" ]; then
			step "download $p"
			(cd "$cache/debs" && { $how download "$p" >/dev/null 2>&1 ||
				{ $how update -q >/dev/null && $how download "$p" >/dev/null; }; }) ||
				die "cannot download $p"
			deb=$(ls "$cache/debs/${p}_"*.deb | head -n1)
		fi
		dpkg-deb -x "$deb" "$dest"
	done
}

other_apt_cmd() { other_apt apt-get "$@"; }

case $label in
6.1)
	dep=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null) ||
		die "linux-headers-amd64 is not installed (run scripts/deps check)"
	kver=$(printf '%s\n' "$dep" | tr ',' '\n' | sed -n 's/^ *linux-headers-\([0-9][^ ]*\).*/\1/p' | head -n1)
	[ -n "$kver" ] || die "cannot resolve the kernel release from linux-headers-amd64 ($dep)"
	root=$cache/kernels/$kver
	if [ ! -f "$root/boot/vmlinuz-$kver" ]; then
		fetch_and_unpack "$root" apt-get "linux-image-$kver"
	fi
	vmlinuz=$root/boot/vmlinuz-$kver
	modroot=$root
	kdir=/lib/modules/$kver/build
	chroot_dir=
	;;
7.3)
	step "resolve the trixie-backports kernel"
	other_apt apt-get update -q >/dev/null
	ver=$(other_apt apt-cache madison linux-image-amd64 | awk -F'|' '/trixie-backports/ {gsub(/ /, "", $2); print $2; exit}')
	[ -n "$ver" ] || die "trixie-backports has no linux-image-amd64"
	kver=$(other_apt apt-cache depends "linux-image-amd64=$ver" |
		sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*\)$/\1/p' | head -n1)
	[ -n "$kver" ] || die "cannot resolve the kernel release of linux-image-amd64 $ver"
	case $kver in 7.3.*) ;; *) warn "trixie-backports now ships $kver, not a 7.3 kernel" ;; esac
	root=$cache/kernels/$kver
	if [ ! -f "$root/usr/lib/modules/$kver/vmlinuz" ] && [ ! -f "$root/boot/vmlinuz-$kver" ]; then
		# Newer Debian kernels are split into binary/modules/base packages.
		if other_apt apt-cache show "linux-binary-$kver" >/dev/null 2>&1; then
			fetch_and_unpack "$root" other_apt_cmd "linux-binary-$kver" "linux-modules-$kver" "linux-base-$kver"
		else
			fetch_and_unpack "$root" other_apt_cmd "linux-image-$kver"
		fi
	fi
	if [ -f "$root/usr/lib/modules/$kver/vmlinuz" ]; then
		vmlinuz=$root/usr/lib/modules/$kver/vmlinuz
		modroot=$root/usr
	else
		vmlinuz=$root/boot/vmlinuz-$kver
		modroot=$root
	fi
	chroot_dir=$cache/trixie-root
	kdir=/usr/src/linux-headers-$kver
	if [ ! -d "$chroot_dir$kdir" ]; then
		if [ ! -x "$chroot_dir/usr/bin/gcc-14" ]; then
			step "debootstrap a trixie build chroot (gcc-14)"
			rm -rf "$chroot_dir"
			debootstrap --variant=minbase --include=gcc-14,make,libc6-dev,xz-utils,ca-certificates \
				trixie "$chroot_dir" "$mirror" > "$cache/debootstrap.log" 2>&1 ||
				die "debootstrap failed, see $cache/debootstrap.log"
		fi
		printf 'Types: deb\nURIs: %s\nSuites: trixie-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
			"$mirror" > "$chroot_dir/etc/apt/sources.list.d/backports.sources"
		step "install linux-headers-$kver in the chroot"
		in_chroot "$chroot_dir" sh -c "apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends -t trixie-backports linux-headers-$kver >/dev/null" ||
			die "cannot install linux-headers-$kver in the chroot"
	fi
	;;
6.1-debug)
	# Built here from Debian's linux-source-6.1 with lockdep + KASAN (debug-config.sh),
	# cached by source version, config script, compiler and pahole.
	"$here/../../scripts/deps" debug
	ver=$(apt-cache policy linux-source-6.1 | awk '/Candidate:/ {print $2}')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || die "no linux-source-6.1 package in this machine's apt sources"
	srcroot=$cache/linux-source-$ver
	if [ ! -f "$srcroot/linux/Makefile" ]; then
		fetch_and_unpack "$srcroot/deb" apt-get "linux-source-6.1"
		tarball=$(ls "$srcroot"/deb/usr/src/linux-source-6.1.tar.* | head -n1)
		step "unpack $(basename "$tarball")"
		mkdir -p "$srcroot/linux.tmp"
		tar -C "$srcroot/linux.tmp" --strip-components=1 -xf "$tarball"
		rm -rf "$srcroot/linux" "$srcroot/deb"
		mv "$srcroot/linux.tmp" "$srcroot/linux"
	fi
	key=$( (echo "$ver"; cat "$here/debug-config.sh"; gcc --version | head -n1; pahole --version) |
		sha256sum | cut -c1-12)
	out=$cache/debug-build-$key
	if [ ! -f "$out/.built" ]; then
		step "build the 6.1 debug kernel (lockdep + KASAN; about 11 minutes on 2 cores)"
		"$here/debug-config.sh" "$srcroot/linux" "$out"
		make -s -C "$srcroot/linux" O="$out" -j"$(nproc)" bzImage modules > "$out/build.log" 2>&1 ||
			{ tail -n 30 "$out/build.log" >&2; die "the debug kernel did not build"; }
		rm -rf "$out/modroot"
		make -s -C "$srcroot/linux" O="$out" INSTALL_MOD_PATH="$out/modroot" modules_install \
			>> "$out/build.log" 2>&1 || die "modules_install of the debug kernel failed"
		touch "$out/.built"
	fi
	kver=$(make -s -C "$srcroot/linux" O="$out" kernelrelease)
	vmlinuz=$out/arch/x86/boot/bzImage
	modroot=$out/modroot
	kdir=$out
	chroot_dir=
	# its own vmlinux has the BTF: no extraction needed
	ln -sf "$out/vmlinux" "$cache/vmlinux-$kver"
	;;
*)
	die "unknown kernel label '$label' (known: 6.1 7.3 6.1-debug)"
	;;
esac

[ -f "$modroot/lib/modules/$kver/modules.dep" ] || depmod -b "$modroot" "$kver"
btf=$cache/vmlinux-$kver
if [ ! -f "$btf" ]; then
	step "extract vmlinux (BTF) from $(basename "$vmlinuz")"
	"$here/extract-vmlinux" "$vmlinuz" "$btf.tmp" && mv "$btf.tmp" "$btf"
fi

cat > "$envfile" <<EOT
KVER=$kver
VMLINUZ=$vmlinuz
MODROOT=$modroot
KDIR=$kdir
CHROOT=$chroot_dir
BTF=$btf
EOT
step "kernel $label = $kver ready"
