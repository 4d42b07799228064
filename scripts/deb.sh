#!/bin/sh
# SPDX-License-Identifier: MIT
# scripts/deb.sh build OUT   the .deb packages, built from a copy of the tree
#                            (its files as git lists them, uncommitted changes
#                            included) with dpkg-buildpackage -us -uc -b
# scripts/deb.sh test OUT    dpkg -i of OUT/svcinit_*.deb into an overlay of /
#                            in a private mount namespace, then the installed
#                            binaries and manuals are run from there; the host's
#                            root and dpkg database are not touched
set -eu
cd "$(dirname "$0")/.."
mode=$1 out=$2

build() {
	for t in dpkg-buildpackage dh; do
		command -v $t >/dev/null || { echo "deb: $t is missing (apt-get install dpkg-dev debhelper build-essential)" >&2; exit 1; }
	done
	rm -rf "$out" && mkdir -p "$out/src"
	git ls-files -co --exclude-standard | while IFS= read -r f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		xargs -0 cp --parents -t "$out/src" || {
		echo "deb: cannot copy the tree (is this svcinit's git tree?)" >&2; exit 1; }
	(cd "$out/src" && dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) || {
		tail -n 40 "$out/build.log"; echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2; exit 1; }
	ls "$out"/*.deb
}

test_deb() {
	deb=$(ls "$out"/svcinit_*.deb 2>/dev/null | head -n 1)
	sdeb=$(ls "$out"/svcinit-static_*.deb 2>/dev/null | head -n 1)
	[ -n "$deb" ] && [ -n "$sdeb" ] || { echo "deb: no .deb in $out (make deb)" >&2; exit 1; }
	for f in ./usr/sbin/svcinit ./usr/sbin/svcctl ./usr/share/man/man8/svcctl.8.gz \
		./usr/share/man/man8/svcinit.8.gz ./usr/share/man/man5/svcinit.service.5.gz \
		./usr/share/bash-completion/completions/svcctl ./usr/share/doc/svcinit/copyright; do
		dpkg-deb -c "$deb" | awk '{print $6}' | grep -qx "$f" || { echo "deb: $f missing from $deb" >&2; exit 1; }
	done
	dpkg-deb -c "$sdeb" | awk '{print $6}' | grep -qx ./usr/lib/svcinit/static/svcinit || {
		echo "deb: the static svcinit is missing from $sdeb" >&2; exit 1; }
	want=$(dpkg-deb -f "$deb" Version)
	host_before=$(dpkg-query -W -f='${Status}' svcinit 2>/dev/null || true)
	root=$(mktemp -d /tmp/svcinit-deb.XXXXXX)
	# shellcheck disable=SC2016
	unshare -m sh -euc '
		root=$1 deb=$2 sdeb=$3 want=$4
		mount --make-rprivate /
		mount -t tmpfs tmpfs "$root"
		mkdir "$root/upper" "$root/work" "$root/m"
		mount -t overlay overlay -o "lowerdir=/,upperdir=$root/upper,workdir=$root/work" "$root/m"
		mount --bind /proc "$root/m/proc"
		mount --bind /dev "$root/m/dev"
		cp "$deb" "$sdeb" "$root/m/tmp/"
		chroot "$root/m" dpkg -i "/tmp/${deb##*/}" "/tmp/${sdeb##*/}" >/dev/null
		chroot "$root/m" dpkg -s svcinit | grep -qx "Status: install ok installed"
		got=$(chroot "$root/m" /usr/sbin/svcinit --version)
		[ "$got" = "svcinit $want" ] || { echo "deb: svcinit --version printed \"$got\", want \"svcinit $want\"" >&2; exit 1; }
		got=$(chroot "$root/m" /usr/lib/svcinit/static/svcctl --version)
		[ "$got" = "svcctl $want" ] || { echo "deb: static svcctl --version printed \"$got\"" >&2; exit 1; }
		chroot "$root/m" /usr/lib/svcinit/static/svcinit --version >/dev/null
		# stripped by dh_strip: no symbol table
		if readelf -S "$root/m/usr/sbin/svcinit" | grep -q "\.symtab"; then
			echo "deb: /usr/sbin/svcinit is not stripped" >&2; exit 1; fi
		chroot "$root/m" env MANWIDTH=80 man svcctl 2>/dev/null | grep -q "svcctl" || {
			echo "deb: man svcctl shows nothing" >&2; exit 1; }
		chroot "$root/m" env MANWIDTH=80 man 5 svcinit.service 2>/dev/null | grep -q "ExecStart" || {
			echo "deb: man 5 svcinit.service shows nothing" >&2; exit 1; }
		echo "deb: installed $want in an overlay root: svcinit --version, static binaries, man pages work"
	' sh "$root" "$deb" "$sdeb" "$want" || { rmdir "$root" 2>/dev/null; exit 1; }
	rmdir "$root"
	[ "$(dpkg-query -W -f='${Status}' svcinit 2>/dev/null || true)" = "$host_before" ] || {
		echo "deb: the host's dpkg database changed" >&2; exit 1; }
}

case $mode in
	build) build ;;
	test) test_deb ;;
	*) echo "usage: $0 build|test OUT" >&2; exit 2 ;;
esac
