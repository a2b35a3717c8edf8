// Start-line synchronisation for the eBPF helper programs: announce readiness with a
// file (renamed into place, so it appears only after all start-up syscalls are done),
// then block until the test sends SIGUSR1. This makes "the event happens between two
// polls" and "nothing happens while the test reads a baseline" deterministic.
#pragma once

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

#include <string>

inline void wait_for_go(const char* ready_path) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGUSR1);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  const std::string tmp = std::string(ready_path) + ".tmp";
  FILE* f = fopen(tmp.c_str(), "w");
  if (!f || fclose(f) != 0 || rename(tmp.c_str(), ready_path) != 0) {
    perror("ready file");
    exit(2);
  }
  int sig = 0;
  sigwait(&set, &sig);
}
