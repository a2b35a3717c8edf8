#include "run/live_export.h"

#include <filesystem>

#include "memgate/error.h"
#include "sys/file_access.h"
#include "sys/fs.h"

namespace memgate::run {

using openmetrics::Format;

void validate(const ExportConfig& c) {
  if (!c.listen.empty()) sys::parse_listen_address(c.listen, c.listen_remote);
  if (c.listen_remote && c.listen.empty())
    throw Error(ExitCode::usage, "--metrics-listen-remote needs --metrics-listen HOST:PORT");
  if (!c.textfile.empty()) {
    const std::filesystem::path path(c.textfile);
    const std::string dir = path.has_parent_path() ? path.parent_path().string() : ".";
    if (path.filename().empty() || std::filesystem::is_directory(path))
      throw Error(ExitCode::usage,
                  "--prometheus-textfile " + c.textfile + ": a file name is needed (e.g. memgate.prom)");
    if (!sys::is_writable(dir))
      throw Error(ExitCode::usage,
                  "--prometheus-textfile " + c.textfile + ": the directory " + dir + " is missing or not writable");
  }
}

void fill_tree(openmetrics::LiveFigures& f, const TreeSample& row) {
  f.processes = row.processes;
  f.fds = row.fds;
  f.threads = row.threads;
  f.rss_bytes = row.rss_bytes;
  f.hwm_bytes = row.hwm_max_bytes;
  f.swap_bytes = row.swap_bytes;
  f.cpu_s = row.cpu_seconds;
  if (row.pss_bytes) f.pss_bytes = row.pss_bytes;
}

LiveExport::LiveExport(const ExportConfig& config) : config_(config) {
  if (config_.listen.empty()) return;
  address_ = sys::parse_listen_address(config_.listen, config_.listen_remote);
  server_ = std::make_unique<sys::MetricsServer>(*address_);
}

LiveExport::~LiveExport() = default;

void LiveExport::start(openmetrics::RunLabels labels) { labels_ = openmetrics::common_labels(labels); }

std::string LiveExport::where() const {
  if (!server_) return "";
  sys::ListenAddress bound = *address_;
  bound.port = server_->port();
  return "metrics at http://" + bound.text() + "/metrics";
}

std::string LiveExport::render(const openmetrics::LiveFigures& figures) {
  const auto families = openmetrics::live_families(figures);
  auto page = std::make_shared<sys::MetricsPage>();
  page->prometheus = openmetrics::render(families, labels_, Format::prometheus);
  if (server_) {
    page->openmetrics = openmetrics::render(families, labels_, Format::openmetrics);
    server_->publish(page);
  }
  if (config_.textfile.empty()) return "";
  try {
    sys::write_text_file(config_.textfile, page->prometheus);
  } catch (const Error& e) {
    if (textfile_failed_) return "";
    textfile_failed_ = true;  // said once; the run and the listener go on
    return std::string("--prometheus-textfile: ") + e.what() + " (the run goes on)";
  }
  return "";
}

std::string LiveExport::publish(const openmetrics::LiveFigures& figures, double now_s) {
  next_s_ = now_s + config_.refresh_s;
  return render(figures);
}

std::string LiveExport::finish(openmetrics::LiveFigures figures, const openmetrics::LiveVerdicts& verdicts) {
  figures.finished = true;
  figures.verdicts = verdicts;
  return render(figures);
}

}  // namespace memgate::run
