#!/usr/bin/env bash
# Every symbol a per-level kernel object defines must be its level's own (tp::kern::<level> or
# the level's renamed Eigen): a shared inline or template instance compiled for AVX-512 could
# otherwise be picked by the linker for code that must run on any x86-64 CPU.
# Usage: check_kernel_symbols.sh OBJECT[;OBJECT...]...   (the objects of engine's tp_kernels library)
set -euo pipefail
# CTest passes $<TARGET_OBJECTS:tp_kernels> as one ';'-separated argument.
objects=()
for arg in "$@"; do IFS=';' read -ra parts <<< "$arg"; objects+=("${parts[@]}"); done
[ ${#objects[@]} -gt 0 ] || { echo "usage: $0 OBJECT..."; exit 2; }
status=0
for obj in "${objects[@]}"; do
  level=$(basename "$obj" | sed -n 's/^kernels_\([a-z0-9]*\)\.cpp\.o$/\1/p')
  [ -n "$level" ] || { echo "not a kernel object: $obj"; exit 2; }
  # Defined, non-local symbols (text, data, weak, unique); -C demangles.
  foreign=$(nm -C --defined-only "$obj" | awk '$2 ~ /^[TDBRWVu]$/' | cut -d' ' -f3- \
            | grep -v -e "tp::kern::$level::" -e "tp_kern_Eigen_$level::" -e '^DW\.ref\.__gxx_personality_v0$' || true)
  count=$(nm -C --defined-only "$obj" | awk '$2 ~ /^[TDBRWVu]$/' | wc -l)
  if [ -n "$foreign" ]; then
    echo "FAIL $obj ($level): symbols outside the level's namespaces:"; echo "$foreign" | head -20; status=1
  elif [ "$count" -lt 4 ]; then
    echo "FAIL $obj: only $count defined symbols (not a kernel object?)"; status=1
  else
    echo "ok   $obj ($level): $count symbols, all its own"
  fi
done
exit $status
