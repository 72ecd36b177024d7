#!/bin/sh
# apt-private.sh — the private apt source list goretain's scripts use, so
# that the machine's own sources are never changed.
#
#   state=$(scripts/apt-private.sh)   # prints the state directory
#   apt-get -o "Dir::Etc::sourcelist=$state/sources.list" \
#           -o "Dir::Etc::sourceparts=-" -o "Dir::State::Lists=$state/lists" ...
#
# The list names the machine's own Debian archive URI (taken from
# /etc/apt/sources.list.d/debian.sources, else /etc/apt/sources.list, at
# run time: no registry host is written into the repository) for the
# suites goretain needs: bookworm (Go 1.19), bookworm-backports (1.21-1.23),
# trixie (1.24), trixie-backports (1.25), sid (1.26, 1.27), and the real Go
# servers of tests/integration/servers.sh.  GR_APT_STATE overrides the
# state directory (default /var/tmp/goretain-apt).  Exit 1 with a message
# when no archive URI can be found.
set -eu
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
	echo "apt-private: cannot find a Debian archive URI in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list" >&2
	exit 1
fi
state=${GR_APT_STATE:-/var/tmp/goretain-apt}
mkdir -p "$state/lists/partial"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
{
	for s in bookworm bookworm-backports trixie trixie-backports sid; do
		echo "deb [signed-by=$keyring] $uri $s main"
	done
} > "$state/sources.list.new"
mv "$state/sources.list.new" "$state/sources.list"
echo "$state"
