// SIGTERM / SIGINT request a graceful drain: the flag is polled by the input loop
// (which never blocks longer than its poll timeout), so any thread may take the signal.
#pragma once

namespace pipelines {

void install_drain_signals();
bool drain_requested();
void request_drain();  // the same from code (tests, hard limits)

}  // namespace pipelines
