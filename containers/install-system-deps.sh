#!/usr/bin/env bash
# The system libraries the companion images' programs use beyond Node.js, installed with apt-get
# (Debian bookworm, Ubuntu 24.04): Gloo, the collective-communication library multi-host training
# all-reduces over (native/src/collective.cc, runtime/cluster.ts).
#   install-system-deps.sh build     the headers and library to build the addon against (libgloo-dev)
#   install-system-deps.sh runtime   the shared library alone, for an image's final stage
# Idempotent: what is installed already is left as it is (no apt-get at all when nothing is missing).
# Run by the Dockerfile's stages (which then empty the apt lists) and by CI (.ci/run) before the
# native build; as root.
set -euo pipefail
mode=${1:-build}
case "$mode" in
  build) wanted=(libgloo-dev) ;;
  runtime)
    # The shared library's package name carries its soname (libgloo0 in Debian; possibly renamed
    # in a distribution's time_t transition): the one the archive has.
    if ! dpkg-query -W -f='${Status}\n' 'libgloo0*' 2>/dev/null | grep -q '^install ok installed'; then
      apt-get update -qq
      wanted=("$(apt-cache search --names-only '^libgloo0' | awk '{print $1}' | sort | head -n1)")
      [ -n "${wanted[0]}" ] || { echo "install-system-deps.sh: no libgloo0 package in the apt sources" >&2; exit 1; }
    else
      wanted=()
    fi ;;
  *) echo "usage: install-system-deps.sh build|runtime" >&2; exit 2 ;;
esac
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q '^install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  [ "$mode" = runtime ] || apt-get update -qq
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
echo "system dependencies ($mode): ${wanted[*]:-libgloo0 (installed)} present"
