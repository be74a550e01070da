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
#
# Sourcing it puts build/node/bin first on PATH when it exists: the Node.js that
# tests/deps.sh installs there when the machine has no node >= 20 (Debian 12).

_npm_node=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/node/bin
if [ -x "$_npm_node/node" ]; then
	case ":$PATH:" in *":$_npm_node:"*) ;; *) PATH=$_npm_node:$PATH; export PATH ;; esac
fi
unset _npm_node

npm_why_not() {
	local major
	if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
		echo "node/npm not installed (make demo or make test installs them)"; return
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
