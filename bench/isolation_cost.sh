#!/bin/bash
# SPDX-License-Identifier: MIT
#
# isolation_cost.sh: what a unit's isolation costs per start.
#
# A unit with Restart=always, RestartSec=0 and no start limit whose service
# exits at once is started over and over by svcinit itself; the restart
# counter over a fixed window gives starts per second, so svcctl's round trips
# are not part of the figure. Variants:
#   full      the default: Namespaces=pid net ipc mnt uts, overlay root
#   ns-only   the same namespaces, Overlay=no
#   none      Namespaces=none Overlay=no
# The variants take turns in short windows (the machine may be noisy, and a
# burst of net namespaces leaves the kernel cleanup work behind), and the
# median window counts. A second figure: the median of `svcctl restart`
# (stop, start, until running) of a long-running unit, per variant.
#
#   bench/isolation_cost.sh [WINDOW_SECONDS [WINDOWS [RESTART_ROUNDS]]]
#                           (default 2 s, 5 windows per variant, 20 restarts)
#
# Needs root (PID namespace, cgroups). A benchmark: it prints, never asserts.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SVCINIT=${SVCINIT_BIN:-$ROOT/build/svcinit}
SVCCTL=${SVCCTL_BIN:-$ROOT/build/svcctl}
WINDOW=${1:-2}
WINDOWS=${2:-5}
ROUNDS=${3:-20}

[ "$(id -u)" = 0 ] || { echo "isolation_cost: needs root" >&2; exit 1; }
[ -x "$SVCINIT" ] && [ -x "$SVCCTL" ] || { echo "isolation_cost: run make first" >&2; exit 1; }
command -v jq >/dev/null || { echo "isolation_cost: needs jq" >&2; exit 1; }

DIR=$(mktemp -d /tmp/svcbench-XXXXXX)
CGBASE=/svcinit-bench-$$
UNSHARE_PID=
SVCINIT_PID=

cleanup() {
	if [ -n "$SVCINIT_PID" ] && kill -0 "$SVCINIT_PID" 2>/dev/null; then
		kill -TERM "$SVCINIT_PID" 2>/dev/null || true
		for _ in $(seq 300); do kill -0 "$UNSHARE_PID" 2>/dev/null || break; sleep 0.1; done
	fi
	if [ -n "$UNSHARE_PID" ] && kill -0 "$UNSHARE_PID" 2>/dev/null; then
		kill -KILL "$UNSHARE_PID" 2>/dev/null || true   # --kill-child takes svcinit along
	fi
	[ -n "$UNSHARE_PID" ] && wait "$UNSHARE_PID" 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT

ctl() { "$SVCCTL" -s "$DIR/sock" "$@"; }
now_ns() { date +%s%N; }

variant_keys() {
	case $1 in
	full) ;;
	ns-only) echo "Overlay=no" ;;
	none) printf 'Namespaces=none\nOverlay=no\n' ;;
	esac
}

VARIANTS="full ns-only none"
mkdir -p "$DIR/units"
for v in $VARIANTS; do
	{
		echo "[Service]"
		echo "ExecStart=/bin/true"
		echo "Restart=always"
		echo "RestartSec=0"
		echo "StartLimitBurst=0"
		variant_keys "$v"
	} > "$DIR/units/loop-$v.service.off"
	{
		echo "[Service]"
		echo "ExecStart=/bin/sleep 100000"
		echo "TimeoutStopSec=5s"
		variant_keys "$v"
	} > "$DIR/units/long-$v.service.off"
done

unshare -pf --mount-proc --kill-child "$SVCINIT" -u "$DIR/units" -s "$DIR/sock" \
	--cgroup "$CGBASE" > "$DIR/console.log" 2>&1 &
UNSHARE_PID=$!
for _ in $(seq 200); do
	ctl status >/dev/null 2>&1 && break
	sleep 0.05
done
SVCINIT_PID=$(cat "/proc/$UNSHARE_PID/task/$UNSHARE_PID/children" | awk '{print $1}')
ctl status >/dev/null

restarts() { ctl --json status "$1" | jq -r '.[0].restarts'; }

enable() {   # reload a unit into the directory and start it
	mv "$DIR/units/$1.service.off" "$DIR/units/$1.service"
	ctl reload >/dev/null
}
disable() {
	mv "$DIR/units/$1.service" "$DIR/units/$1.service.off"
	ctl reload >/dev/null
}

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

declare -A RATES RATE PERSTART RESTART_MS
for _ in $(seq "$WINDOWS"); do
	for v in $VARIANTS; do
		enable "loop-$v"
		sleep 0.5                        # warm up: first cgroup, page cache
		r0=$(restarts "loop-$v"); t0=$(now_ns)
		sleep "$WINDOW"
		r1=$(restarts "loop-$v"); t1=$(now_ns)
		disable "loop-$v"
		RATES[$v]+="$(awk -v n=$((r1 - r0)) -v ns=$((t1 - t0)) 'BEGIN {printf "%.1f", n / (ns / 1e9)}') "
		sleep 1                          # let the kernel tear down the namespaces
	done
done
for v in $VARIANTS; do
	RATE[$v]=$(printf '%s\n' ${RATES[$v]} | median)
	PERSTART[$v]=$(awk -v r="${RATE[$v]}" 'BEGIN {if (r > 0) printf "%.2f", 1000 / r; else print "nan"}')
done

for v in $VARIANTS; do
	enable "long-$v"
	for _ in $(seq 100); do [ "$(ctl --json status "long-$v" | jq -r '.[0].state')" = running ] && break; sleep 0.05; done
	samples=()
	for _ in $(seq "$ROUNDS"); do
		a=$(now_ns); ctl restart "long-$v" >/dev/null; b=$(now_ns)
		samples+=("$(awk -v d=$((b - a)) 'BEGIN {printf "%.2f", d / 1e6}')")
	done
	RESTART_MS[$v]=$(printf '%s\n' "${samples[@]}" | median)
	disable "long-$v"
	sleep 1
done

echo "svcinit isolation cost ($(nproc) CPUs, kernel $(uname -r), median of $WINDOWS windows of ${WINDOW}s, $ROUNDS restarts)"
printf '%-9s %-34s %12s %14s %18s\n' variant isolation "starts/s" "ms per start" "svcctl restart ms"
printf '%-9s %-34s %12s %14s %18s\n' full "pid net ipc mnt uts + overlay" "${RATE[full]}" "${PERSTART[full]}" "${RESTART_MS[full]}"
printf '%-9s %-34s %12s %14s %18s\n' ns-only "pid net ipc mnt uts, Overlay=no" "${RATE[ns-only]}" "${PERSTART[ns-only]}" "${RESTART_MS[ns-only]}"
printf '%-9s %-34s %12s %14s %18s\n' none "Namespaces=none Overlay=no" "${RATE[none]}" "${PERSTART[none]}" "${RESTART_MS[none]}"
echo "(starts/s: Restart=always RestartSec=0 of /bin/true, from the restarts counter;"
echo " svcctl restart: median round trip, stop + start until running, of /bin/sleep)"
for v in $VARIANTS; do echo " $v, each window: ${RATES[$v]}starts/s"; done
