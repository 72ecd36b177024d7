# Sourced by run.sh and pprof.sh: the toolchains whose cores a suite checks.
#
# it_versions CORES: the go1.NN directories under CORES, oldest first, as
# GR_IT_SUBSET chooses them (the Makefile says which pass uses which, and
# why): unset = all; newest = the newest (make check-quick); san = the
# oldest and the newest (make check's sanitizer pass).  Exit 2 on any other
# value.
it_versions() {
	local -a vers=()
	local v
	for v in "$1"/go1.*/; do
		v=${v%/}
		vers+=("${v##*/}")
	done
	((${#vers[@]})) || return 0
	mapfile -t vers < <(printf '%s\n' "${vers[@]}" | sort -t. -k2,2n)
	case ${GR_IT_SUBSET:-} in
	"") printf '%s\n' "${vers[@]}" ;;
	newest) echo "${vers[-1]}" ;;
	san) printf '%s\n' "${vers[0]}" "${vers[-1]}" | uniq ;;
	*)
		echo "GR_IT_SUBSET must be newest or san, not '$GR_IT_SUBSET'" >&2
		exit 2
		;;
	esac
}
