# Sourced by the CPU benchmarks' drivers: runs a Python peer once per OpenBLAS core type, so the
# table can show the peer on its fastest working kernel. Debian's OpenBLAS 0.3.21 does not know
# every processor here and may fall back to a generic kernel; PEER_CORETYPES lists the candidates
# ('unset' is OpenBLAS's own choice). Each run prints one JSON object; run_peer_coretypes prints
# them as a JSON array. A core type that fails (OpenBLAS refuses it, or the peer crashes) is left out.
PEER_CORETYPES=${PEER_CORETYPES:-unset Haswell SkylakeX Cooperlake}

run_peer_coretypes() {
  local first=1 coretype out
  printf '['
  for coretype in $PEER_CORETYPES; do
    if [ "$coretype" = unset ]; then
      out=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$@") || continue
    else
      out=$(env -u OPENBLAS_L2_SIZE OPENBLAS_CORETYPE="$coretype" "$@") || continue
    fi
    [ "$first" = 1 ] || printf ','
    first=0
    printf '%s' "$out"
  done
  printf ']'
}
