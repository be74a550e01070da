# The npm packages of the test tools (provider kit, devidp, browser driver),
# each installed once per lock file into a folder under build/.  Plain shell:
# sourced by tests/lib_idp.sh, tests/lib_browser.sh and tests/demo.sh.
#
#   npm_why_not           prints why node/npm cannot run the tools (empty: they can)
#   npm_install SRC DST MODULE
#                         `npm ci` of SRC/package.json + package-lock.json into DST
#                         unless DST/node_modules/MODULE came from the same lock file;
#                         several scripts at once wait on one lock.  Returns 1 on failure
#                         (DST/npm.log says why).
#   npm_place FILE DST    copies FILE into DST when it differs (ESM resolves imports from
#                         the script's own folder, so scripts run next to node_modules)

npm_why_not() {
	local major
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		echo "node/npm not installed (make deps)"; return
	fi
	major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
	[ "$major" -ge 20 ] || echo "node $major is too old (the test tools need >= 20)"
}

npm_install() { # SRC DST MODULE
	local src=$1 dst=$2 module=$3 sum
	mkdir -p "$dst" || return 1
	sum=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -c1-16)
	(
		flock -w 300 9 || exit 1
		if [ "$(cat "$dst/.installed" 2>/dev/null)" != "$sum" ] ||
		   [ ! -d "$dst/node_modules/$module" ]; then
			cp "$src/package.json" "$src/package-lock.json" "$dst/" &&
			chmod u+w "$dst/package.json" "$dst/package-lock.json" &&
			(cd "$dst" && timeout 600 npm ci --no-audit --no-fund >npm.log 2>&1) &&
			echo "$sum" >"$dst/.installed"
		fi
	) 9>"$dst/.lock"
}

npm_place() { # FILE DST
	local to="$2/$(basename "$1")"
	cmp -s "$1" "$to" 2>/dev/null && return 0
	cp "$1" "$to.tmp.$$" && mv -f "$to.tmp.$$" "$to"
}
