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

# The machine's own Debian archive URI (deb822 first, then one-line format).
uri=""
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
	uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
		/etc/apt/sources.list.d/debian.sources)
fi
if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
	uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
		/etc/apt/sources.list)
fi
if [ -z "$uri" ]; then
	echo "install-go: cannot find a Debian archive URI in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list" >&2
	exit 1
fi

state=${GR_APT_STATE:-/var/tmp/goretain-apt}
mkdir -p "$state/lists/partial"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
{
	for s in bookworm bookworm-backports trixie trixie-backports sid; do
		echo "deb [signed-by=$keyring] $uri $s main"
	done
} > "$state/sources.list"

APT=(-o "Dir::Etc::sourcelist=$state/sources.list" -o "Dir::Etc::sourceparts=-"
     -o "Dir::State::Lists=$state/lists" -o "DPkg::Lock::Timeout=900")
echo "install-go: installing$want (from $uri, private list $state/sources.list)" >&2
apt-get "${APT[@]}" update -qq
DEBIAN_FRONTEND=noninteractive apt-get "${APT[@]}" install -y -qq --no-install-recommends $want
for v in $VERSIONS; do
	installed "$v" || { echo "install-go: go $v still missing after install" >&2; exit 1; }
done
