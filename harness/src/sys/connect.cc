#include "sys/connect.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>

#include "memgate/error.h"

namespace memgate::sys {
namespace {

int connect_once(int domain, const char* what, const sockaddr* addr, socklen_t len, int& err) {
  const int fd = ::socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(ExitCode::internal, errno_message(what, errno));
  if (::connect(fd, addr, len) == 0) return fd;
  err = errno;
  ::close(fd);
  return -1;
}

}  // namespace

bool is_ipv4_address(const std::string& host) {
  in_addr addr{};
  return ::inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

int connect_unix_once(const std::string& path, int& err) {
  sockaddr_un addr{};
  static_assert(sizeof addr.sun_path == kMaxUnixSocketPath + 1);
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), std::min(path.size(), kMaxUnixSocketPath) + 1);
  addr.sun_path[kMaxUnixSocketPath] = '\0';
  return connect_once(AF_UNIX, "socket(AF_UNIX)", reinterpret_cast<const sockaddr*>(&addr), sizeof addr, err);
}

int connect_tcp_once(const std::string& ipv4_host, int port, int& err) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, ipv4_host.c_str(), &addr.sin_addr);
  const int fd = connect_once(AF_INET, "socket(AF_INET)", reinterpret_cast<const sockaddr*>(&addr), sizeof addr, err);
  if (fd >= 0) {
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  return fd;
}

}  // namespace memgate::sys
