/* The benchmark's reference point (tests/bench/ebpf_overhead.cc, mode "empty"): a
 * program that does nothing, on the tracepoint memgate's rss_stat program uses. What
 * it costs the page-fault loop is the kernel's price for calling any BPF program there
 * (tracepoint, dispatch, JIT entry and return under this machine's mitigations); the
 * default mode's excess over it is memgate's own program. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

SEC("tp_btf/rss_stat")
int BPF_PROG(empty_rss_stat, struct mm_struct *mm, int member) { return 0; }
