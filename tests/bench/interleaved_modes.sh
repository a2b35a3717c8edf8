# Sourced by the --attribute cost benchmarks: the median of a figure over runs of three
# modes (bare, probe, attribute) interleaved, so drift on a shared machine hits every mode
# alike. The caller defines one_run MODE ALLOCATOR, printing one number.

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

# interleaved_medians ALLOCATOR RUNS: sets bare_median, probe_median and attribute_median.
interleaved_medians() {
  local name=$1 runs=$2 bare=() probe=() attrib=()
  for _ in $(seq "$runs"); do
    bare+=("$(one_run bare "$name")")
    probe+=("$(one_run probe "$name")")
    attrib+=("$(one_run attribute "$name")")
  done
  bare_median=$(printf '%s\n' "${bare[@]}" | median)
  probe_median=$(printf '%s\n' "${probe[@]}" | median)
  attribute_median=$(printf '%s\n' "${attrib[@]}" | median)
}

# ratio X Y: X / Y with two decimals.
ratio() { awk -v x="$1" -v y="$2" 'BEGIN {printf "%.2f", x / y}'; }
