#!/bin/sh
# Install the Debian packages goretain builds and tests with.
# As root: installs what is missing with apt-get.  Otherwise: prints the exact
# command to run and fails if anything is missing.
set -eu

PKGS="gcc binutils make curl pkg-config libelf-dev libdwarf-dev zlib1g-dev libxxhash-dev \
libcmocka-dev libzstd-dev zstd gzip gdb python3 python3-jsonschema util-linux jq chromium \
qemu-user libc6-arm64-cross"
# python3-jsonschema validates report JSON against docs/report-schema.json;
# chromium (headless) renders the HTML report in tests/integration/html.sh;
# qemu-user runs the GOARCH=arm64 corpus builds for their AArch64 cores
# (scripts/make-cores.sh), libc6-arm64-cross the dynamic loader of the
# arm64 PIE ones.

missing=""
for p in $PKGS; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$st" in
	*"install ok installed"*) ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "goretain: missing Debian packages:$missing" >&2
	echo "goretain: run as root: apt-get update && $cmd" >&2
	exit 1
fi
echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have empty package lists; update once if install fails.
apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends $missing >/dev/null 2>&1 || {
	apt-get update >/dev/null
	apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends $missing
}
