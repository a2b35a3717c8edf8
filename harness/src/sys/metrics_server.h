// A minimal HTTP server for one page, Prometheus' /metrics (--metrics-listen). It runs
// on its own thread; the sampling thread publishes a new page now and then and never
// waits on a client. Bounded: at most `max_clients` connections (when full, the oldest
// one is dropped for the newcomer), requests up to `max_request_bytes`, each connection
// closed after `client_timeout_s` or after its one response (Connection: close). A slow,
// silent or garbage-sending client costs one slot and a few KiB until its deadline.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace memgate::sys {

struct ListenAddress {
  std::string host;  // numeric: 127.0.0.1, ::1
  int port = 0;      // 0: any free port (tests)
  bool ipv6 = false;
  bool loopback = true;
  std::string text() const;  // host:port, [v6]:port
};

// "127.0.0.1:9464", "[::1]:9464", "localhost:9464", ":9464" (= 127.0.0.1). A
// non-loopback address is refused unless `allow_remote` (the endpoint has no
// authentication). Throws Error(usage) naming the flag and the fix.
ListenAddress parse_listen_address(std::string_view text, bool allow_remote);

// Both renderings of the page; the server picks by the request's Accept header.
struct MetricsPage {
  std::string prometheus;   // text/plain; version=0.0.4
  std::string openmetrics;  // application/openmetrics-text; version=1.0.0
};

struct ServerLimits {
  std::size_t max_clients = 16;
  std::size_t max_request_bytes = 8192;
  double client_timeout_s = 5;
};

// The whole HTTP/1.1 response to one request's head (request line and headers): 200
// with the page for GET/HEAD /metrics, 503 before the first page, 404, 405, 400.
// Pure; exposed for the tests.
std::string metrics_response(std::string_view request_head, const MetricsPage* page);

class MetricsServer {
 public:
  // Binds and listens, then serves on its own thread. Throws Error(usage) when the
  // address cannot be bound (in use, not an address of this host).
  MetricsServer(const ListenAddress& address, ServerLimits limits = {});
  ~MetricsServer();  // stops the thread and closes every connection
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  int port() const { return port_; }  // the bound one (address.port 0: the kernel's choice)
  // Replaces the page; until the first one, /metrics answers 503.
  void publish(std::shared_ptr<const MetricsPage> page);
  std::uint64_t responses() const { return responses_.load(); }      // any status
  std::uint64_t dropped_clients() const { return dropped_.load(); }  // timed out, evicted, too long

 private:
  void serve();
  std::shared_ptr<const MetricsPage> page() const;
  ServerLimits limits_;
  int listen_fd_ = -1, wake_read_ = -1, wake_write_ = -1, port_ = 0;
  mutable std::mutex mutex_;
  std::shared_ptr<const MetricsPage> page_;
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> responses_{0}, dropped_{0};
  std::thread thread_;
};

}  // namespace memgate::sys
