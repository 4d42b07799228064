#!/bin/bash
# SPDX-License-Identifier: MIT
#
# pause_latency.sh: how long `svcctl pause` and `svcctl resume` take for a
# unit of 1, 100 and 1000 processes. Each returns once the kernel reports the
# cgroup frozen (thawed), so the round trip includes the freezer's work.
#
#   bench/pause_latency.sh [ROUNDS [SIZES...]]     (default 20; 1 100 1000)
#
# Needs root (PID namespace, cgroups). A benchmark: it prints, never asserts.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SVCINIT=${SVCINIT_BIN:-$ROOT/build/svcinit}
SVCCTL=${SVCCTL_BIN:-$ROOT/build/svcctl}
ROUNDS=${1:-20}
shift || true
SIZES=${*:-1 100 1000}

[ "$(id -u)" = 0 ] || { echo "pause_latency: needs root" >&2; exit 1; }
[ -x "$SVCINIT" ] && [ -x "$SVCCTL" ] || { echo "pause_latency: run make first" >&2; exit 1; }
command -v jq >/dev/null || { echo "pause_latency: needs jq" >&2; exit 1; }

DIR=$(mktemp -d /tmp/svcbench-XXXXXX)
chmod 755 "$DIR"
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
ms_since() { awk -v d=$(($(now_ns) - $1)) 'BEGIN {printf "%.2f", d / 1e6}'; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else if (NR % 2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
p90() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "nan"; else {i = int(NR * 0.9 + 0.999); if (i > NR) i = NR; print a[i]}}'; }

mkdir -p "$DIR/units" "$DIR/share"
cat > "$DIR/share/spawn.sh" <<'EOF'
#!/bin/sh
# $1 processes in all: this shell and $1 - 1 sleeps
n=$(($1 - 1))
i=0
while [ $i -lt $n ]; do sleep 100000 & i=$((i+1)); done
exec sleep 100000
EOF
chmod 755 "$DIR/share/spawn.sh"
for n in $SIZES; do
	cat > "$DIR/units/p$n.service" <<EOF
[Service]
ExecStart=/bin/sh /share/spawn.sh $n
BindReadOnlyPaths=$DIR/share:/share
TimeoutStopSec=10s
EOF
done

unshare -pf --mount-proc --kill-child "$SVCINIT" -u "$DIR/units" -s "$DIR/sock" \
	--cgroup "$CGBASE" > "$DIR/console.log" 2>&1 &
UNSHARE_PID=$!
for _ in $(seq 200); do
	ctl status >/dev/null 2>&1 && break
	sleep 0.05
done
SVCINIT_PID=$(awk '{print $1}' "/proc/$UNSHARE_PID/task/$UNSHARE_PID/children")
ctl status >/dev/null

echo "svcinit pause/resume latency ($(nproc) CPUs, kernel $(uname -r), $ROUNDS rounds each)"
printf '%-10s %8s %14s %14s %14s %14s %14s\n' processes tasks "pause med ms" "pause p90" \
	"resume med ms" "resume p90" "round trip ms"
for n in $SIZES; do
	# the unit's own count, plus the reaper of its PID namespace
	want=$((n + 1))
	for _ in $(seq 600); do
		t=$(ctl --json status "p$n" | jq -r '.[0].tasks // 0')
		[ "$t" -ge "$want" ] && break
		sleep 0.1
	done
	pauses=(); resumes=(); trips=()
	for _ in $(seq "$ROUNDS"); do
		a=$(now_ns)
		ctl pause "p$n" >/dev/null
		pauses+=("$(ms_since "$a")")
		b=$(now_ns)
		ctl resume "p$n" >/dev/null
		resumes+=("$(ms_since "$b")")
		trips+=("$(ms_since "$a")")
	done
	printf '%-10s %8s %14s %14s %14s %14s %14s\n' "$n" "$t" \
		"$(printf '%s\n' "${pauses[@]}" | median)" "$(printf '%s\n' "${pauses[@]}" | p90)" \
		"$(printf '%s\n' "${resumes[@]}" | median)" "$(printf '%s\n' "${resumes[@]}" | p90)" \
		"$(printf '%s\n' "${trips[@]}" | median)"
	ctl stop "p$n" >/dev/null
done
t0=$(now_ns); ctl status >/dev/null; echo "(for scale: one svcctl status round trip: $(ms_since "$t0") ms)"
