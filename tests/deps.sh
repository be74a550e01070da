#!/usr/bin/env bash
# Installs what a make target needs on Debian 12, only what is missing.
# Usage: tests/deps.sh SET...            e.g. tests/deps.sh build demo
#        tests/deps.sh --missing SET...  prints the missing Debian packages, installs nothing
# Sets:
#   build    compiler, pkg-config and the libraries' -dev packages (plain `make`)
#   install  `make install`: the build set (nothing more)
#   demo     `make demo`: curl, and Node.js >= 20 for the development OpenID provider
#   demo-cluster  `make demo-cluster`: the demo's, PostgreSQL 15 and nginx
#   bench    `make bench`: wrk, valgrind, curl, openssl, python3, Node.js >= 20 (test providers)
#   test     `make test`: everything the test suite uses (clang, Chromium, wrk,
#            debootstrap, systemd-container, python3-httpx, faketime, Node.js >= 20, ...)
# Debian packages need root: run as another user, it prints the apt-get line to run
# and exits 1.  Node.js: a node >= 20 already on PATH is used; otherwise Debian's
# nodejs if its candidate is >= 20; otherwise (Debian 12 ships 18) the Node.js
# release and npm below, fetched from the npm registry, checked against the pinned
# sha512, unpacked into build/node (no root needed; tests/lib_npm.sh puts
# build/node/bin first on PATH).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/.." && pwd)

set_build=(build-essential pkg-config libevhtp-dev libevent-dev liblmdb-dev libcurl4-openssl-dev
	   libjson-c-dev libsodium-dev libssl-dev libpq-dev libcjose-dev libjansson-dev)
set_demo=(curl ca-certificates)
set_demo_cluster=(curl ca-certificates postgresql-15 nginx)
set_bench=(wrk curl ca-certificates openssl python3 valgrind postgresql-15)
set_test=(clang libclang-rt-14-dev valgrind lmdb-utils curl openssl ca-certificates procps iproute2 psmisc
	  python3 python3-httpx chromium wrk debootstrap systemd-container util-linux faketime
	  postgresql-15 nginx)
set_install=("${set_build[@]}")

# The Node.js used when the machine has no node >= 20 (official builds, as the npm
# registry's node-linux-* packages carry them) and the npm that runs on it.
NODE_VERSION=22.23.5
NODE_SHA512_x64=3jhC+wcoWxKZxcRqF2sUSl0c9HEXFnur/nuIPx6O6CWKV0jOUWQm7Htw5SuXqqlMCEhi0cJqybFPEb5hhcBiMw==
NODE_SHA512_arm64=e1LOUGKVruPGuLVutn8+Cgm5pI1APm4Kvh+zbb/qe/ZpD9s+TQby5iUgZOWmPpbSKpj0Td8DP1N0NEnXasHizg==
NPM_VERSION=10.9.9
NPM_SHA512=1g+6jLQvaIuB4zwvHL7yrXuXcWZwDsCtBX8bbWDqbvJSSr9nPiDDWTHNgwXR27iIcTTW7v3A57hDW9RYv2W4Yg==
NODE_DIR=$SRC/build/node
DL=$SRC/build/dl

say() { printf 'deps: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

node_major() { # [NODE]  major version of that node (0 if it does not run)
	"${1:-node}" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0
}
have_node() {
	[ "$(node_major "$NODE_DIR/bin/node")" -ge 20 ] && [ -x "$NODE_DIR/bin/npm" ] && return 0
	command -v node >/dev/null && command -v npm >/dev/null && [ "$(node_major)" -ge 20 ]
}
# Debian's candidate nodejs major version (0: none).
apt_node_major() {
	apt-cache policy nodejs 2>/dev/null | sed -n 's/^ *Candidate: \([0-9]*\).*/\1/p' | grep . || echo 0
}

# fetch NAME VERSION SHA512 -> path of the verified tarball in build/dl
# (from the npm registry npm is configured with, if any)
fetch() {
	local name=$1 ver=$2 sum=$3 f=$DL/$1-$2.tgz url reg
	reg=${NPM_CONFIG_REGISTRY:-$(npm config get registry 2>/dev/null || true)}
	url=${reg:-https://registry.npmjs.org/}
	url=${url%/}/$name/-/$name-$ver.tgz
	mkdir -p "$DL"
	sum=$(printf '%s' "$sum" | base64 -d | od -An -v -tx1 | tr -d ' \n')
	if ! [ -s "$f" ] || [ "$(sha512_of "$f")" != "$sum" ]; then
		say "fetching $url"
		curl -fsSL --retry 3 -o "$f.tmp" "$url" || { rm -f "$f.tmp"; die "could not fetch $url"; }
		[ "$(sha512_of "$f.tmp")" = "$sum" ] ||
			{ rm -f "$f.tmp"; die "$url: sha512 differs from the pinned one"; }
		mv -f "$f.tmp" "$f"
	fi
	printf '%s\n' "$f"
}
sha512_of() { sha512sum "$1" | cut -d' ' -f1; }

install_node() {
	local arch sum tgz npmtgz tmp
	case $(uname -m) in
	x86_64) arch=x64 sum=$NODE_SHA512_x64 ;;
	aarch64) arch=arm64 sum=$NODE_SHA512_arm64 ;;
	*) die "no Node.js >= 20 here and none pinned for $(uname -m): install one, then retry" ;;
	esac
	command -v curl >/dev/null || die "curl is needed to fetch Node.js"
	tgz=$(fetch "node-linux-$arch" "$NODE_VERSION" "$sum")
	npmtgz=$(fetch npm "$NPM_VERSION" "$NPM_SHA512")
	tmp=$NODE_DIR.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp/lib/node_modules/npm"
	tar -xzf "$tgz" -C "$tmp" --strip-components=1 package/bin/node package/LICENSE
	tar -xzf "$npmtgz" -C "$tmp/lib/node_modules/npm" --strip-components=1
	cat >"$tmp/bin/npm" <<-'SH'
	#!/bin/sh
	# npm on the Node.js next to it (written by tests/deps.sh)
	d=$(dirname "$(readlink -f "$0")")
	exec "$d/node" "$d/../lib/node_modules/npm/bin/npm-cli.js" "$@"
	SH
	chmod 755 "$tmp/bin/npm"
	[ "$(node_major "$tmp/bin/node")" -ge 20 ] || { rm -rf "$tmp"; die "the fetched node does not run"; }
	rm -rf "$NODE_DIR"
	mv "$tmp" "$NODE_DIR"
	say "Node.js $NODE_VERSION and npm $NPM_VERSION in $NODE_DIR"
}

only_missing=0
if [ "${1:-}" = --missing ]; then only_missing=1; shift; fi
[ $# -gt 0 ] || set -- build
want=() need_node=0
for s in "$@"; do
	case $s in
	build) want+=("${set_build[@]}") ;;
	install) want+=("${set_install[@]}") ;;
	demo) want+=("${set_demo[@]}"); need_node=1 ;;
	demo-cluster) want+=("${set_demo_cluster[@]}"); need_node=1 ;;
	bench) want+=("${set_bench[@]}"); need_node=1 ;;
	test) want+=("${set_test[@]}"); need_node=1 ;;
	*) die "unknown set '$s' (build install demo demo-cluster bench test)" ;;
	esac
done
missing=()
for p in $(printf '%s\n' "${want[@]}" | awk 'NF && !seen[$0]++'); do
	installed "$p" || missing+=("$p")
done
node_from_apt=0
if [ "$need_node" = 1 ] && ! have_node && [ "$(apt_node_major)" -ge 20 ]; then
	node_from_apt=1
	installed nodejs || missing+=(nodejs)
	command -v npm >/dev/null || installed npm || missing+=(npm)
fi
if [ "$only_missing" = 1 ]; then echo "${missing[*]}"; exit 0; fi

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		say "missing ${missing[*]}; as root, run:"
		echo "sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
	say "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ "$need_node" = 1 ] && ! have_node; then
	# the apt lists may have been refreshed above: Debian's nodejs may do now
	if [ "$node_from_apt" = 0 ] && [ "$(apt_node_major)" -ge 20 ] && [ "$(id -u)" -eq 0 ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm
	fi
	have_node || install_node
fi
exit 0
