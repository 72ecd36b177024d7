#!/bin/bash
# Install the Go toolchains the corpora are built with, from Debian's own
# suites, through a private sources list: the system's apt configuration is
# never modified.  The archive URI is read from the machine's own
# /etc/apt/sources.list.d/debian.sources (or sources.list) at run time.
#
#   scripts/install-go.sh            every version goretain supports
#   scripts/install-go.sh --newest   only the newest one (for make demo)
#   scripts/install-go.sh --list     print the installed /usr/lib/go-1.NN dirs
#
# Suite of each version (see DEVELOPERS.md): bookworm 1.19; bookworm-backports
# 1.21-1.23; trixie 1.24; trixie-backports 1.25; sid 1.26, 1.27.
set -euo pipefail

VERSIONS="1.19 1.21 1.22 1.23 1.24 1.25 1.26 1.27"
NEWEST=1.27

installed() { [ -x "/usr/lib/go-$1/bin/go" ] && [ -d "/usr/lib/go-$1/src/runtime" ]; }

case "${1:-}" in
--list)
	for v in $VERSIONS; do installed "$v" && echo "/usr/lib/go-$v"; done
	exit 0 ;;
--newest) VERSIONS=$NEWEST ;;
"") ;;
*) echo "usage: $0 [--newest|--list]" >&2; exit 2 ;;
esac

want=""
for v in $VERSIONS; do installed "$v" || want="$want golang-$v-go golang-$v-src"; done
[ -z "$want" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-go: missing:$want; run this script as root" >&2
	exit 1
fi

# The private source list (scripts/apt-private.sh): the machine's own
# Debian archive URI, never the machine's own sources.
state=$("$(dirname "$0")/apt-private.sh") || exit 1
APT=(-o "Dir::Etc::sourcelist=$state/sources.list" -o "Dir::Etc::sourceparts=-"
     -o "Dir::State::Lists=$state/lists" -o "DPkg::Lock::Timeout=900")
echo "install-go: installing$want (private list $state/sources.list)" >&2
apt-get "${APT[@]}" update -qq
DEBIAN_FRONTEND=noninteractive apt-get "${APT[@]}" install -y -qq --no-install-recommends $want
for v in $VERSIONS; do
	installed "$v" || { echo "install-go: go $v still missing after install" >&2; exit 1; }
done
