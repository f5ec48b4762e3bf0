#!/usr/bin/env bash
# ci/deps.sh — install the Debian packages mqspec needs, only those missing.
# Usage: ci/deps.sh [build|reports|test|all]   (default: test)
set -euo pipefail

build_pkgs=(gcc make cmake ninja-build pkg-config libyaml-dev libpcap-dev libssl-dev)
test_pkgs=(libcmocka-dev clang libclang-rt-14-dev python3 mosquitto mosquitto-clients
           python3-paho-mqtt python3-yaml python3-jsonschema tshark chromium)
case "${1:-test}" in
  build) want=("${build_pkgs[@]}") ;;
  reports) want=("${build_pkgs[@]}" python3 mosquitto) ;;
  test | all) want=("${build_pkgs[@]}" "${test_pkgs[@]}") ;;
  *) echo "usage: $0 [build|reports|test|all]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ci/deps.sh: installing ${missing[*]}" >&2
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
