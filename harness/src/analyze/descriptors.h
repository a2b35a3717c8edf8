// Which descriptors a target holds: /proc/PID/fd link texts grouped by kind (regular
// file, socket, pipe, anon inode...) and path pattern (digit runs become '*', so
// spool/spill_00012.jsonl and spool/spill_00013.jsonl are one group), and the change
// between two snapshots as a sentence ("+412 regular files under spool/spill_*.jsonl,
// +0 sockets"). Pure: the /proc reads are sys/fd_snapshot.h's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace memgate::analyze {

// One open descriptor: its readlink text, and the octal "flags:" of its fdinfo (nullopt
// when it could not be read).
struct FdEntry {
  std::string link;
  std::optional<std::uint32_t> flags;
};

// "regular file", "directory", "device", "deleted file", "socket", "pipe",
// "anon inode", "other".
std::string fd_kind(const FdEntry& entry);
// The path with every run of digits replaced by '*' ("/tmp/spool/spill_*.jsonl"); the
// inode-free form for anon inodes ("anon_inode:[eventfd]"); empty for sockets and pipes.
std::string fd_pattern(const FdEntry& entry);

struct FdGroupKey {
  std::string kind, pattern;
  auto operator<=>(const FdGroupKey&) const = default;
};
using FdGroups = std::map<FdGroupKey, std::uint32_t>;

// At most max_patterns patterns per kind: the rest of a kind is counted under the
// pattern "(other paths)", so a snapshot stays small whatever the target opens.
FdGroups group_descriptors(std::span<const FdEntry> entries, std::size_t max_patterns = 24);
// Merges b into a (several processes), with the same bound.
void merge_groups(FdGroups& a, const FdGroups& b, std::size_t max_patterns = 24);

// JSON form (a list of {"kind","pattern","count"}), as events.jsonl keeps it.
nlohmann::json groups_to_json(const FdGroups& groups);
// Ignores malformed entries (a hand-edited file is not a reason to fail the report).
FdGroups groups_from_json(const nlohmann::json& j);

struct FdGroupChange {
  std::string kind, pattern;
  std::int64_t before = 0, after = 0;
  std::int64_t delta() const { return after - before; }
};
// Every group of either snapshot, largest growth first.
std::vector<FdGroupChange> diff_groups(const FdGroups& before, const FdGroups& after);

// "+412 regular files under /tmp/spool/spill_*.jsonl, +3 sockets, +0 pipes": the (up
// to max_listed) groups that grew most, then "+0" for the common kinds (regular files,
// sockets, pipes) that did not grow. Empty when nothing grew.
std::string describe_fd_growth(std::span<const FdGroupChange> changes, std::size_t max_listed = 3);

// One fd-snapshot event as the fd checks read it back (events.jsonl).
struct FdSnapshot {
  double t_s = 0;
  FdGroups groups;
  double total = 0;                  // descriptors of the whole tree
  double top_fds = 0;                // of the process holding the most
  std::optional<double> top_nofile;  // that process's RLIMIT_NOFILE (soft), nullopt: unlimited or unknown
};

// What the fd-plateau FAIL message says beside the trend: which groups grew between the
// snapshot nearest `from_s` (the steady window's start) and the last one, and the limit
// the tree reaches when the busiest process hits its own RLIMIT_NOFILE (the others
// staying as they are).
struct FdGrowthContext {
  std::string growth;  // describe_fd_growth of the change; empty if unknown
  std::vector<FdGroupChange> changes;
  double from_t_s = 0, to_t_s = 0;
  std::optional<double> tree_limit;  // the tree's total at which the busiest process hits its limit
  std::optional<double> nofile;      // that limit
};
FdGrowthContext fd_growth_context(std::span<const FdSnapshot> snapshots, double from_s);

// Time until `current` reaches `limit` at slope_per_h (nullopt when not growing or
// already there).
std::optional<double> seconds_to_limit(double current, double limit, double slope_per_h);

}  // namespace memgate::analyze
