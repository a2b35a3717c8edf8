// The registered checks, in evaluation order: one line per check, the function its file
// (report/checks/<name>.cc) defines. Included by report/check_registry.cc only.
MEMGATE_CHECK(budget_checks)
MEMGATE_CHECK(plateau_checks)
MEMGATE_CHECK(cycle_leak_checks)
MEMGATE_CHECK(burst_recovery_check)
MEMGATE_CHECK(heap_retention_check)
MEMGATE_CHECK(data_loss_check)
MEMGATE_CHECK(headroom_check)
MEMGATE_CHECK(sampler_checks)
MEMGATE_CHECK(run_complete_check)
MEMGATE_CHECK(baseline_check)
