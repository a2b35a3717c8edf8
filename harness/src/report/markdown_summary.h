// The run as a short markdown page for CI summaries (`--summary FILE`, GitHub's
// $GITHUB_STEP_SUMMARY): the verdict, one table row per check with its key figures,
// the memory figures, and the timeline image.
#pragma once

#include <string>

#include "report/run_analysis.h"

namespace memgate::report {

struct MarkdownOptions {
  std::string title;     // e.g. the JUnit suite name ("memgate: sensor_ingest ...")
  std::string timeline;  // image path or URL relative to where the page is read; empty: none
  std::string run_dir;   // shown so the reader can find the artifacts; empty: not shown
};

std::string markdown_summary(const RunAnalysis& analysis, const MarkdownOptions& options);

}  // namespace memgate::report
