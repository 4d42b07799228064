#!/bin/sh
# make demo: svcinit as PID 1 of a fresh PID namespace on units/examples,
# then `svcctl status` while it runs, then a clean shutdown.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
svcinit="$top/build/svcinit"
svcctl="$top/build/svcctl"
run=$(mktemp -d /tmp/svcinit-demo.XXXXXX)
sock="$run/control"
log="$run/console.log"

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (namespaces, cgroups, mounts)" >&2
	exit 1
fi
echo "== svcinit as PID 1 of a new PID namespace, units from units/examples"
unshare -pf --mount-proc --kill-child "$svcinit" -u "$top/units/examples" -s "$sock" \
	--cgroup "/svcinit-demo-$$" >"$log" 2>&1 &
ns=$!
trap 'kill "$ns" 2>/dev/null || true; rm -rf "$run"' EXIT

i=0
until "$svcctl" -s "$sock" status >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 200 ] || { echo "demo: svcinit did not come up" >&2; cat "$log"; exit 1; }
	sleep 0.05
done
"$svcctl" -s "$sock" wait --timeout 10 setup web ticker || true
sleep 3
echo
echo "== svcctl status"
"$svcctl" -s "$sock" status
echo
echo "== svcctl status web"
"$svcctl" -s "$sock" status web
echo
echo "== the web server answers inside its own network namespace"
# the pid in status is as svcinit sees it: enter svcinit's PID namespace first
pid=$("$svcctl" -s "$sock" --json status web | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
init=$(cat /proc/"$ns"/task/*/children 2>/dev/null | awk '{print $1; exit}')
if [ -n "$pid" ] && [ -n "$init" ]; then
	nsenter -t "$init" -p -m -- nsenter -t "$pid" -n -m \
		/bin/busybox wget -q -O - http://127.0.0.1:8080/ || echo "(no answer)"
fi
echo
echo "== console (svcinit's log and the units' output)"
cat "$log"
echo
echo "== svcctl poweroff (in a container-like namespace: stop everything and exit)"
"$svcctl" -s "$sock" poweroff
wait "$ns" || true
trap - EXIT
rm -rf "$run"
