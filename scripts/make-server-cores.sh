#!/bin/bash
# make-server-cores.sh — cores of real Go servers nobody here wrote, as
# Debian ships them: stripped, cgo-linked, built by Debian's toolchains.
#
#   scripts/make-server-cores.sh        (GR_CACHE defaults to ~/.cache/goretain)
#
# Servers: Debian's prometheus-pushgateway (300 pushed metric groups) and
# etcd-server (2000 keys put through its v3 gateway), each from bookworm
# (built by Go 1.19) and sid (the newest Go).
#
# For each server and suite: the package is fetched through the
# private source list (scripts/apt-private.sh; `apt-get download`, then
# `dpkg-deb -x`: nothing is installed), the server is started on the
# loopback with GOGC=off, loaded with real requests, its own /metrics
# scraped three times as the oracle, then it is stopped (SIGSTOP) and cored
# with gdb gcore (holes dug out with fallocate, so the cache stays small).
#
# Why GOGC=off: the oracle is the HeapAlloc the server reports on
# /metrics, read by the runtime before the scrape's response is built.
# With collection off, HeapAlloc only grows: the heap at the core lies
# between the last reading before it and one more taken after it
# (metrics.after, once the stopped server runs again), and a server idle
# between requests is within a few bytes of the last reading plus what
# that scrape's response allocated (the last two readings' difference,
# expected_alloc_bytes).  With collection on, a cycle between the scrape
# and the core makes any such figure meaningless.  These servers read
# HeapAlloc through runtime/metrics, which does not count what the
# mcaches' spans allocated since they were cached: tests/integration/
# servers.sh compares the readings with the allocated bytes less that
# (heap --json, mcache_unflushed_bytes).  oracle.json's quiescent says
# whether the server is idle between requests (etcd's raft ticks are not).
#
# Cache layout ($GR_CACHE/servers/<server>-<suite>/): bin, core,
# metrics.{1,2,3} and metrics.after (the scrapes), oracle.json (jq from
# the scrapes), meta.json, stamp.  A server is redone only when its stamp (package
# version, script version) changes.  Exit status 0 when every server has
# a core, 1 otherwise (all are tried).
set -uo pipefail

SCRIPT_VERSION=3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CACHE=${GR_CACHE:-$HOME/.cache/goretain}
SERVERS=$CACHE/servers
# server:suite pairs: bookworm's builds are Go 1.19, sid's the newest.
PAIRS=${GR_SERVERS:-"prometheus-pushgateway:bookworm prometheus-pushgateway:sid etcd-server:bookworm etcd-server:sid"}
PUSHES=300
# etcd: keys of KEY_BYTES-byte values, put in transactions of TXN_OPS
# (etcd's default --max-txn-ops is 128).
KEYS=2000
KEY_BYTES=200
TXN_OPS=100

for tool in jq gdb curl fallocate dpkg-deb apt-get; do
	command -v "$tool" >/dev/null || { echo "make-server-cores: $tool is missing (run scripts/install-deps.sh)" >&2; exit 1; }
done
mkdir -p "$SERVERS"
exec 9>"$SERVERS/.lock"
flock 9

state=$("$ROOT/scripts/apt-private.sh") || exit 1
APT=(-o "Dir::Etc::sourcelist=$state/sources.list" -o "Dir::Etc::sourceparts=-"
     -o "Dir::State::Lists=$state/lists" -o "DPkg::Lock::Timeout=900")
updated=0
refreshed=0

metric() { # metric FILE NAME: the value of an unlabelled sample, as an integer
	awk -v m="$1" '$1 == m { printf "%.0f\n", $2; exit }' "$2"
}

# Each server: its executable in the package, how it starts on the
# loopback (start_SERVER PORT DIR), its readiness URL path and its load.
exe_of() {
	case $1 in
	prometheus-pushgateway) echo usr/bin/prometheus-pushgateway ;;
	etcd-server) echo usr/bin/etcd ;;
	esac
}

start_prometheus-pushgateway() {
	GOGC=off "$2/bin" --web.listen-address="127.0.0.1:$1" >"$2/run.log" 2>&1 &
}
ready_prometheus-pushgateway() { echo /-/ready; }
# Idle between requests, so its last HeapAlloc reading plus one scrape's
# allocation is the heap at the core (the oracle's allocation check).
quiescent_prometheus-pushgateway() { echo true; }

start_etcd-server() {
	GOGC=off "$2/bin" --data-dir "$2/data" \
		--listen-client-urls "http://127.0.0.1:$1" \
		--advertise-client-urls "http://127.0.0.1:$1" \
		--listen-peer-urls "http://127.0.0.1:$(($1 + 1))" >"$2/run.log" 2>&1 &
}
ready_etcd-server() { echo /health; }
# Raft heartbeats and the WAL allocate between any reading and the core
# (measured: 1.5-1.9 MB beyond the readings' estimate), so the readings
# say nothing exact of the heap at the core.
quiescent_etcd-server() { echo false; }

# etcd: KEYS keys through the v3 gRPC gateway, TXN_OPS puts a request.
load_etcd-server() {
	local port=$1 i k v body
	v=$(head -c "$KEY_BYTES" /dev/zero | tr '\0' x | base64 -w0)
	for ((i = 1; i <= KEYS; i += TXN_OPS)); do
		body='{"success":['
		for ((k = i; k < i + TXN_OPS && k <= KEYS; k++)); do
			((k > i)) && body+=,
			body+="{\"requestPut\":{\"key\":\"$(printf 'key-%05d' "$k" | base64 -w0)\",\"value\":\"$v\"}}"
		done
		body+=']}'
		curl -sf -X POST "http://127.0.0.1:$port/v3/kv/txn" -d "$body" >/dev/null || return 1
	done
}

# pushgateway: PUSHES groups of two metrics each, pushed as a client does.
load_prometheus-pushgateway() {
	local port=$1 i
	for i in $(seq 1 "$PUSHES"); do
		printf 'job_metric_%d{label="v%d"} %d\nother_metric_%d %d\n' "$i" "$i" "$i" "$i" "$i" |
			curl -sf --data-binary @- "http://127.0.0.1:$port/metrics/job/job$i/instance/inst$i" >/dev/null || return 1
	done
}

make_one() {
	local server=$1 suite=$2 dir=$SERVERS/$1-$2
	local version
	version=$(apt-cache "${APT[@]}" show "$server/$suite" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
	if [[ -z $version ]] && ((!refreshed)); then
		# The private lists may be missing or old: fetch them once.
		apt-get "${APT[@]}" update -qq >/dev/null 2>&1
		refreshed=1
		version=$(apt-cache "${APT[@]}" show "$server/$suite" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
	fi
	[[ -n $version ]] || { echo "make-server-cores: $server/$suite: not in the archive" >&2; return 1; }
	local stamp="$server $suite $version v$SCRIPT_VERSION"
	if [[ -f $dir/stamp && $(cat "$dir/stamp") == "$stamp" && -f $dir/core ]]; then
		return 0
	fi
	rm -rf "$dir" && mkdir -p "$dir/deb"
	(cd "$dir/deb" && apt-get "${APT[@]}" download -qq "$server/$suite" >/dev/null 2>&1) ||
		{ echo "make-server-cores: $server/$suite: download failed" >&2; return 1; }
	dpkg-deb -x "$dir"/deb/*.deb "$dir/root" || return 1
	cp "$dir/root/$(exe_of "$server")" "$dir/bin" || return 1
	rm -rf "$dir/deb" "$dir/root"
	local port=$((20000 + 2 * (RANDOM % 10000)))
	"start_$server" "$port" "$dir"
	local pid=$! i
	for i in $(seq 1 100); do
		curl -sf "http://127.0.0.1:$port$("ready_$server")" >/dev/null && break
		sleep 0.1
	done
	local ok=1
	"load_$server" "$port" || ok=0
	for i in 1 2 3; do
		curl -sf "http://127.0.0.1:$port/metrics" >"$dir/metrics.$i" || ok=0
	done
	kill -STOP "$pid" 2>/dev/null
	((ok)) && gdb -batch -p "$pid" -ex "gcore $dir/core" >"$dir/gcore.log" 2>&1 || ok=0
	# One more reading after the core: with GOGC=off nothing is freed,
	# so a server that allocates in the background (etcd) has its heap
	# at core time between the last reading before and this one.
	kill -CONT "$pid" 2>/dev/null
	curl -sf "http://127.0.0.1:$port/metrics" >"$dir/metrics.after" || ok=0
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -rf "$dir/data"
	if ((!ok)) || [[ ! -s $dir/core ]]; then
		echo "make-server-cores: $server/$suite: no core (see $dir/run.log)" >&2
		return 1
	fi
	fallocate --dig-holes "$dir/core" 2>/dev/null || true
	local h1 h2 h3 ha mallocs frees gover
	h1=$(metric go_memstats_heap_alloc_bytes "$dir/metrics.1")
	h2=$(metric go_memstats_heap_alloc_bytes "$dir/metrics.2")
	h3=$(metric go_memstats_heap_alloc_bytes "$dir/metrics.3")
	ha=$(metric go_memstats_heap_alloc_bytes "$dir/metrics.after")
	mallocs=$(metric go_memstats_mallocs_total "$dir/metrics.3")
	frees=$(metric go_memstats_frees_total "$dir/metrics.3")
	gover=$(sed -n 's/^go_info{version="\(go[0-9.]*\)"} 1$/\1/p' "$dir/metrics.3")
	jq -n --arg server "$server" --arg suite "$suite" --arg version "$version" \
		--argjson quiescent "$("quiescent_$server")" \
		--arg go "$gover" --argjson h1 "$h1" --argjson h2 "$h2" \
		--argjson h3 "$h3" --argjson ha "$ha" \
		--argjson mallocs "$mallocs" --argjson frees "$frees" \
		'{server: $server, suite: $suite, package_version: $version,
		  go_version: $go, gogc: "off", quiescent: $quiescent,
		  heap_alloc_bytes: [$h1, $h2, $h3],
		  heap_alloc_bytes_after: $ha,
		  heap_objects: ($mallocs - $frees),
		  expected_alloc_bytes: ($h3 + ($h3 - $h2))}' >"$dir/oracle.json" || return 1
	echo "$stamp" >"$dir/stamp"
	updated=$((updated + 1))
}

fails=0
for pair in $PAIRS; do
	make_one "${pair%%:*}" "${pair##*:}" || fails=$((fails + 1))
done
echo "make-server-cores: $(echo $PAIRS | wc -w) servers, $updated remade, $fails failed" >&2
((fails == 0))
