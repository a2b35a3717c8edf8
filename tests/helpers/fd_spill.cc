// fd_spill: leaks descriptors the way a spill path that forgets to close does, so the
// descriptor snapshots have something known to name.
//
//   fd_spill DIR RATE SECONDS
//
// Opens DIR/spool/spill_00001.jsonl, spill_00002.jsonl... at RATE files per second for
// SECONDS and never closes them; also opens and closes a socket pair each second (the
// sockets do not grow).
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: fd_spill DIR RATE SECONDS\n");
    return 2;
  }
  const std::string spool = std::string(argv[1]) + "/spool";
  ::mkdir(spool.c_str(), 0755);
  const double rate = std::atof(argv[2]), seconds = std::atof(argv[3]);
  const int files = static_cast<int>(rate * seconds);
  const useconds_t gap = static_cast<useconds_t>(1e6 / rate);
  for (int i = 1; i <= files; ++i) {
    char path[4096];
    std::snprintf(path, sizeof path, "%s/spill_%05d.jsonl", spool.c_str(), i);
    if (::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) < 0) return 1;  // leaked on purpose
    if (i % static_cast<int>(rate > 1 ? rate : 1) == 0) {
      int pair[2];
      if (::socketpair(AF_UNIX, SOCK_STREAM, 0, pair) == 0) {
        ::close(pair[0]);
        ::close(pair[1]);
      }
    }
    ::usleep(gap);
  }
  return 0;
}
