#include "sys/metrics_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <vector>

#include "memgate/error.h"

namespace memgate::sys {

namespace {

constexpr std::string_view kFlag = "--metrics-listen";

Error usage(std::string_view text, const std::string& why) {
  return Error(ExitCode::usage, std::string(kFlag) + " " + std::string(text) + ": " + why);
}

double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string response(std::string_view status, std::string_view type, std::string_view body, bool head_only,
                     std::string_view extra = "") {
  std::string r = "HTTP/1.1 " + std::string(status) + "\r\nContent-Type: " + std::string(type) +
                  "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n" +
                  std::string(extra) + "\r\n";
  if (!head_only) r += body;
  return r;
}

std::string plain(std::string_view status, std::string_view body, bool head_only = false, std::string_view extra = "") {
  return response(status, "text/plain; charset=utf-8", body, head_only, extra);
}

// Where the request head ends (after the blank line), or npos.
std::size_t head_end(std::string_view buffer) {
  const std::size_t crlf = buffer.find("\r\n\r\n");
  const std::size_t lf = buffer.find("\n\n");
  if (crlf == std::string_view::npos && lf == std::string_view::npos) return std::string_view::npos;
  return std::min(crlf == std::string_view::npos ? std::string_view::npos : crlf + 4,
                  lf == std::string_view::npos ? std::string_view::npos : lf + 2);
}

struct Client {
  int fd = -1;
  double deadline_s = 0;
  std::string in, out;
  std::size_t sent = 0;
  bool writing = false;
};

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

}  // namespace

std::string ListenAddress::text() const { return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port); }

ListenAddress parse_listen_address(std::string_view text, bool allow_remote) {
  const std::size_t colon = text.rfind(':');
  if (colon == std::string_view::npos) throw usage(text, "expected HOST:PORT (e.g. 127.0.0.1:9464, [::1]:9464)");
  std::string host(text.substr(0, colon));
  const std::string_view port_text = text.substr(colon + 1);
  ListenAddress a;
  const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), a.port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port_text.empty() || a.port < 0 ||
      a.port > 65535)
    throw usage(text, "the port must be a number from 0 to 65535");
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
    a.ipv6 = true;
  }
  a.host = host;
  if (a.ipv6) {
    in6_addr addr{};
    if (::inet_pton(AF_INET6, host.c_str(), &addr) != 1) throw usage(text, "not a numeric IPv6 address");
    a.loopback = IN6_IS_ADDR_LOOPBACK(&addr);
  } else {
    in_addr addr{};
    if (::inet_pton(AF_INET, host.c_str(), &addr) != 1)
      throw usage(text, "not a numeric IPv4 address (write [::1] for IPv6)");
    a.loopback = (ntohl(addr.s_addr) >> 24) == 127;
  }
  if (!a.loopback && !allow_remote)
    throw usage(text,
                "not a loopback address; the endpoint has no authentication: add --metrics-listen-remote to "
                "serve it beyond this host");
  return a;
}

std::string metrics_response(std::string_view request_head, const MetricsPage* page) {
  const std::size_t line_end = request_head.find_first_of("\r\n");
  const std::string_view line = request_head.substr(0, line_end);
  const std::size_t sp1 = line.find(' ');
  const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos || !line.substr(sp2 + 1).starts_with("HTTP/"))
    return plain("400 Bad Request", "expected: GET /metrics HTTP/1.1\n");
  const std::string_view method = line.substr(0, sp1);
  std::string_view path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  path = path.substr(0, path.find('?'));
  const bool head = method == "HEAD";
  if (method != "GET" && !head)
    return plain("405 Method Not Allowed", "only GET and HEAD\n", false, "Allow: GET, HEAD\r\n");
  if (path == "/") return plain("200 OK", "memgate: the metrics are at /metrics\n", head);
  if (path != "/metrics") return plain("404 Not Found", "memgate serves /metrics only\n", head);
  if (page == nullptr)
    return plain("503 Service Unavailable", "memgate has taken no sample yet\n", head, "Retry-After: 1\r\n");
  bool openmetrics = false;
  const std::string headers = lower(request_head.substr(line_end == std::string_view::npos ? 0 : line_end));
  for (std::size_t at = headers.find("\naccept:"); at != std::string::npos; at = headers.find("\naccept:", at + 1)) {
    const std::size_t eol = headers.find('\n', at + 1);
    if (headers.substr(at, eol - at).find("application/openmetrics-text") != std::string::npos) openmetrics = true;
  }
  return openmetrics
             ? response("200 OK", "application/openmetrics-text; version=1.0.0; charset=utf-8", page->openmetrics, head)
             : response("200 OK", "text/plain; version=0.0.4; charset=utf-8", page->prometheus, head);
}

MetricsServer::MetricsServer(const ListenAddress& address, ServerLimits limits) : limits_(limits) {
  const int family = address.ipv6 ? AF_INET6 : AF_INET;
  listen_fd_ = ::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (listen_fd_ < 0) throw Error(ExitCode::internal, errno_message("socket()", errno));
  const int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_storage storage{};
  socklen_t len = 0;
  if (address.ipv6) {
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&storage);
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons(static_cast<std::uint16_t>(address.port));
    ::inet_pton(AF_INET6, address.host.c_str(), &a6->sin6_addr);
    len = sizeof *a6;
  } else {
    auto* a4 = reinterpret_cast<sockaddr_in*>(&storage);
    a4->sin_family = AF_INET;
    a4->sin_port = htons(static_cast<std::uint16_t>(address.port));
    ::inet_pton(AF_INET, address.host.c_str(), &a4->sin_addr);
    len = sizeof *a4;
  }
  int fds[2] = {-1, -1};
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&storage), len) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
    const int err = errno;
    close_fd(listen_fd_);
    throw Error(ExitCode::usage, std::string(kFlag) + " " + address.text() + ": " + std::strerror(err) +
                                     (err == EADDRINUSE ? " (pick another port, or stop what listens there)" : ""));
  }
  wake_read_ = fds[0];
  wake_write_ = fds[1];
  socklen_t bound_len = sizeof storage;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&storage), &bound_len);
  port_ = ntohs(address.ipv6 ? reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port
                             : reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
  thread_ = std::thread([this] { serve(); });
}

MetricsServer::~MetricsServer() {
  stop_.store(true);
  const char byte = 1;
  [[maybe_unused]] const auto n = ::write(wake_write_, &byte, 1);
  if (thread_.joinable()) thread_.join();
  close_fd(listen_fd_);
  close_fd(wake_read_);
  close_fd(wake_write_);
}

void MetricsServer::publish(std::shared_ptr<const MetricsPage> page) {
  const std::lock_guard lock(mutex_);
  page_ = std::move(page);
}

std::shared_ptr<const MetricsPage> MetricsServer::page() const {
  const std::lock_guard lock(mutex_);
  return page_;
}

void MetricsServer::serve() {
  std::vector<Client> clients;
  std::vector<pollfd> fds;
  const auto drop = [&](std::size_t i, bool counted) {
    close_fd(clients[i].fd);
    clients.erase(clients.begin() + static_cast<std::ptrdiff_t>(i));
    if (counted) ++dropped_;
  };
  while (!stop_.load()) {
    fds.clear();
    fds.push_back({wake_read_, POLLIN, 0});
    fds.push_back({listen_fd_, POLLIN, 0});
    double next_deadline = now_s() + 1;
    for (const Client& c : clients) {
      fds.push_back({c.fd, static_cast<short>(c.writing ? POLLOUT : POLLIN), 0});
      next_deadline = std::min(next_deadline, c.deadline_s);
    }
    const int timeout_ms = std::max(0, static_cast<int>((next_deadline - now_s()) * 1000) + 1);
    if (::poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) break;
    if (stop_.load()) break;
    // Clients first (their pollfd entries match `clients` as it was before accepting).
    const double now = now_s();
    for (std::size_t i = clients.size(); i-- > 0;) {
      Client& c = clients[i];
      const short ev = fds[i + 2].revents;
      if (now >= c.deadline_s) {
        drop(i, true);
        continue;
      }
      if (ev == 0) continue;
      if (!c.writing) {
        char buffer[2048];
        const ssize_t n = ::recv(c.fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
          drop(i, false);
          continue;
        }
        if (n > 0) c.in.append(buffer, static_cast<std::size_t>(n));
        const std::size_t end = head_end(c.in);
        if (end != std::string::npos) {
          const auto current = page();
          c.out = metrics_response(std::string_view(c.in).substr(0, end), current.get());
        } else if (c.in.size() > limits_.max_request_bytes) {
          c.out = plain("431 Request Header Fields Too Large", "request head too long\n");
          ++dropped_;
        } else {
          continue;
        }
        c.in.clear();
        c.in.shrink_to_fit();
        c.writing = true;
      }
      const ssize_t n = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        drop(i, true);
        continue;
      }
      if (n > 0) c.sent += static_cast<std::size_t>(n);
      if (c.sent == c.out.size()) {
        ++responses_;
        ::shutdown(c.fd, SHUT_WR);
        drop(i, false);
      }
    }
    if (fds[0].revents & POLLIN) {
      char sink[64];
      while (::read(wake_read_, sink, sizeof sink) > 0) {
      }
    }
    if (fds[1].revents & POLLIN) {
      for (int accepted = 0; accepted < 64; ++accepted) {
        const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        if (clients.size() >= limits_.max_clients) drop(0, true);  // the oldest makes room
        clients.push_back({fd, now_s() + limits_.client_timeout_s, {}, {}, 0, false});
      }
    }
  }
  for (Client& c : clients) close_fd(c.fd);
}

}  // namespace memgate::sys
