#!/usr/bin/env bash
# Installs the Debian packages coophub needs to build, test, benchmark and run the demo.
# Idempotent: packages already present are skipped, and apt is not touched when none is missing.
# Usage: scripts/install-deps.sh [build|test|bench]   (each set includes the ones before it)
set -euo pipefail

want=${1:-build}
build=(build-essential cmake ninja-build pkg-config git ca-certificates nodejs
       libboost-dev libssl-dev zlib1g-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
       libcli11-dev libxml2-dev libsqlite3-dev libcurl4-openssl-dev libsodium-dev libcsv-dev libical-dev tzdata libpq-dev libicu-dev
       libglpk-dev libarchive-dev)
# A real WordPress for the wordpress manifest's tests (tests/wordpress_test.cc): Debian's
# package, its database and the web server and PHP it runs under.
test=(libcpp-httplib-dev libgtest-dev libgmock-dev curl procps radicale python3-aiosmtpd postgresql openssl clang clang-format libclang-rt-dev chromium
      nginx-light php-fpm php-mysql mariadb-server wordpress)
bench=(wrk)

pkgs=("${build[@]}")
case "$want" in
  build) ;;
  test)  pkgs+=("${test[@]}") ;;
  bench) pkgs+=("${test[@]}" "${bench[@]}") ;;
  *) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The web code is built with npm: Debian packages it apart from nodejs, other builds of
# nodejs bring their own (and conflict with Debian's npm package).
if ! command -v npm > /dev/null; then
  missing+=(npm)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "coophub needs these Debian packages: ${missing[*]}" >&2
  echo "run this script as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
