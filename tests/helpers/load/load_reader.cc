// load_reader: the target side of the traffic tests. Reads records from stdin, a unix
// socket or a TCP port, as fast as it can or deliberately slowly, and prints what it
// got as one JSON line at EOF (to stdout, or --report FILE).
//
//   load_reader [--unix PATH | --tcp PORT] [--sleep-ms-per-read MS] [--read-bytes N]
//               [--report FILE]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(2);
}

int listen_and_accept_unix(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ::unlink(path.c_str());
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1) != 0) die("bind unix");
  const int conn = ::accept(fd, nullptr, nullptr);
  if (conn < 0) die("accept");
  ::close(fd);
  ::unlink(path.c_str());
  return conn;
}

int listen_and_accept_tcp(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 1) != 0) die("bind tcp");
  const int conn = ::accept(fd, nullptr, nullptr);
  if (conn < 0) die("accept");
  ::close(fd);
  return conn;
}

}  // namespace

int main(int argc, char** argv) {
  std::string unix_path, report;
  int tcp_port = 0;
  long sleep_ms = 0;
  std::size_t read_bytes = 1 << 16;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&] {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "load_reader: %s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return std::string(argv[++i]);
    };
    if (arg == "--unix") unix_path = value();
    else if (arg == "--tcp") tcp_port = std::atoi(value().c_str());
    else if (arg == "--sleep-ms-per-read") sleep_ms = std::atol(value().c_str());
    else if (arg == "--read-bytes") read_bytes = std::strtoul(value().c_str(), nullptr, 10);
    else if (arg == "--report") report = value();
    else {
      std::fprintf(stderr, "load_reader: unknown option %s\n", arg.c_str());
      return 2;
    }
  }
  int fd = 0;
  if (!unix_path.empty()) fd = listen_and_accept_unix(unix_path);
  else if (tcp_port > 0) fd = listen_and_accept_tcp(tcp_port);

  std::vector<char> buf(read_bytes);
  unsigned long long bytes = 0, lines = 0, reads = 0;
  char last = '\n';
  while (true) {
    const ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n == 0) break;
    if (n < 0) die("read");
    bytes += static_cast<unsigned long long>(n);
    ++reads;
    for (ssize_t k = 0; k < n; ++k) lines += buf[static_cast<std::size_t>(k)] == '\n';
    last = buf[static_cast<std::size_t>(n - 1)];
    if (sleep_ms > 0) {
      timespec ts{sleep_ms / 1000, (sleep_ms % 1000) * 1'000'000};
      ::nanosleep(&ts, nullptr);
    }
  }
  char line[256];
  std::snprintf(line, sizeof line, "{\"bytes\":%llu,\"lines\":%llu,\"reads\":%llu,\"ends_with_newline\":%s}\n", bytes,
                lines, reads, last == '\n' ? "true" : "false");
  if (report.empty()) {
    std::fputs(line, stdout);
  } else {
    FILE* f = std::fopen(report.c_str(), "w");
    if (!f) die("report");
    std::fputs(line, f);
    std::fclose(f);
  }
  return 0;
}
