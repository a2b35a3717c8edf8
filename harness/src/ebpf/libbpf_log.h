// Routes libbpf's print callback to the logger set with memgate::set_ebpf_logger, and
// remembers the last warning so a load failure can say why in one line.
#pragma once

#include <string>

namespace memgate::ebpf {

// Installs the libbpf print callback (idempotent).
void install_libbpf_logging();

// The last warning-level line libbpf printed on this thread ("" if none), then clears it.
std::string take_last_libbpf_warning();

}  // namespace memgate::ebpf
