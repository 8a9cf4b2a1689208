# shellcheck shell=bash
# Sourced by tests/xen/build-images and tests/xen/run: one parser for
# tests.list, so the host and dom0 never disagree about what a line means.

# Field separator of the normalised list handed to dom0 (ASCII unit
# separator): it cannot appear in a command typed into tests.list.
BH_FS=$'\037'
BH_DEFAULT_TIMEOUT=120

# parse_tests FILE: prints one line per test, fields joined by $BH_FS:
#   name, dom0 command, domU command, timeout in seconds
# ("-" for a side that runs nothing).  Errors name FILE:LINE and return 1.
parse_tests() {
	local file=$1 n=0 line rest f name d0 du to
	local -A seen=()
	local -a fields
	[[ -r $file ]] || { echo "$file: cannot read" >&2; return 1; }
	while IFS= read -r line || [[ -n $line ]]; do
		n=$((n + 1))
		[[ $line =~ ^[[:space:]]*(#|$) ]] && continue
		# "\|" is a literal pipe inside a command; park it while splitting.
		rest=${line//\\|/$'\036'}
		IFS='|' read -r -a fields <<<"$rest"
		if ((${#fields[@]} < 3 || ${#fields[@]} > 4)); then
			echo "$file:$n: want 'name | dom0 command | domU command [| timeout]', got ${#fields[@]} field(s)" >&2
			return 1
		fi
		for f in "${!fields[@]}"; do
			fields[f]=${fields[f]//$'\036'/|}
			# Trim surrounding blanks.
			fields[f]=${fields[f]#"${fields[f]%%[![:space:]]*}"}
			fields[f]=${fields[f]%"${fields[f]##*[![:space:]]}"}
		done
		name=${fields[0]} d0=${fields[1]} du=${fields[2]} to=${fields[3]:-$BH_DEFAULT_TIMEOUT}
		if [[ ! $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
			echo "$file:$n: test name '$name' must be letters, digits, '.', '_' or '-'" >&2
			return 1
		fi
		[[ -z ${seen[$name]:-} ]] || { echo "$file:$n: test '$name' already defined on line ${seen[$name]}" >&2; return 1; }
		seen[$name]=$n
		if [[ -z $d0 || -z $du ]]; then
			echo "$file:$n: empty command; write '-' for a side that runs nothing" >&2
			return 1
		fi
		if [[ $d0 == - && $du == - ]]; then
			echo "$file:$n: test '$name' runs nothing on either side" >&2
			return 1
		fi
		if [[ ! $to =~ ^[1-9][0-9]*$ ]]; then
			echo "$file:$n: timeout '$to' is not a positive number of seconds" >&2
			return 1
		fi
		printf '%s\n' "$name$BH_FS$d0$BH_FS$du$BH_FS$to"
	done <"$file"
}
