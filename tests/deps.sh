#!/usr/bin/env bash
# Installs the Debian packages airlock's build and tests need, only those missing.
set -euo pipefail
pkgs=(build-essential pkg-config clang libclang-rt-14-dev
      libevhtp-dev libevent-dev liblmdb-dev lmdb-utils libcurl4-openssl-dev libjson-c-dev libsodium-dev
      curl openssl ca-certificates procps iproute2 psmisc python3 python3-httpx
      nodejs chromium wrk debootstrap systemd-container util-linux)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# nodejs may come from elsewhere (the machine's node 20): accept any node >= 20
if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]; then
	missing=("${missing[@]/nodejs}")
fi
missing=($(printf '%s\n' "${missing[@]}" | grep -v '^$' || true))
if [ ${#missing[@]} -gt 0 ]; then
	echo "deps: installing ${missing[*]}"
	if [ "$(id -u)" -ne 0 ]; then echo "deps: need root to install ${missing[*]}" >&2; exit 1; fi
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
command -v npm >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends npm; }
