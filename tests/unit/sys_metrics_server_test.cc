// The --metrics-listen endpoint (sys/metrics_server.h): address rules, responses, and a
// real server on a loopback port against idle, garbage-sending and too many clients.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "memgate/error.h"
#include "sys/metrics_server.h"

namespace memgate::sys {
namespace {

std::string usage_error(const char* text, bool remote) {
  try {
    parse_listen_address(text, remote);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ExitCode::usage);
    return e.what();
  }
  return "";
}

TEST(MetricsListenAddress, LoopbackByDefaultRemoteOnlyWhenAsked) {
  const ListenAddress a = parse_listen_address("127.0.0.1:9464", false);
  EXPECT_EQ(a.host, "127.0.0.1");
  EXPECT_EQ(a.port, 9464);
  EXPECT_TRUE(a.loopback);
  EXPECT_EQ(parse_listen_address("localhost:1", false).host, "127.0.0.1");
  EXPECT_EQ(parse_listen_address(":0", false).host, "127.0.0.1");
  const ListenAddress v6 = parse_listen_address("[::1]:9464", false);
  EXPECT_TRUE(v6.ipv6);
  EXPECT_EQ(v6.text(), "[::1]:9464");
  EXPECT_NE(usage_error("0.0.0.0:9464", false).find("--metrics-listen-remote"), std::string::npos);
  EXPECT_NE(usage_error("[::]:9464", false).find("not a loopback address"), std::string::npos);
  EXPECT_FALSE(parse_listen_address("0.0.0.0:9464", true).loopback);
  EXPECT_NE(usage_error("127.0.0.1", false).find("HOST:PORT"), std::string::npos);
  EXPECT_NE(usage_error("127.0.0.1:70000", false).find("0 to 65535"), std::string::npos);
  EXPECT_NE(usage_error("127.0.0.1:9x", false).find("0 to 65535"), std::string::npos);
  EXPECT_NE(usage_error("metrics.example:80", true).find("numeric"), std::string::npos);
}

TEST(MetricsResponse, ServesThePageInTheAskedFormat) {
  const MetricsPage page{"memgate_x 1\n", "memgate_x 1\n# EOF\n"};
  const std::string ok = metrics_response("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n", &page);
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 200 OK\r\n")) << ok;
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(ok.find("Content-Length: 12\r\n"), std::string::npos);
  EXPECT_TRUE(ok.ends_with("\r\n\r\nmemgate_x 1\n")) << ok;
  const std::string om = metrics_response(
      "GET /metrics?x=1 HTTP/1.1\r\nACCEPT: application/openmetrics-text;version=1.0.0,text/plain;q=0.5\r\n\r\n",
      &page);
  EXPECT_NE(om.find("Content-Type: application/openmetrics-text; version=1.0.0"), std::string::npos) << om;
  EXPECT_TRUE(om.ends_with("# EOF\n"));
  const std::string head = metrics_response("HEAD /metrics HTTP/1.0\n\n", &page);
  EXPECT_NE(head.find("Content-Length: 12\r\n"), std::string::npos);
  EXPECT_TRUE(head.ends_with("\r\n\r\n")) << head;
  EXPECT_TRUE(metrics_response("GET /metrics HTTP/1.1\r\n\r\n", nullptr).starts_with("HTTP/1.1 503"));
  EXPECT_TRUE(metrics_response("GET /other HTTP/1.1\r\n\r\n", &page).starts_with("HTTP/1.1 404"));
  EXPECT_TRUE(metrics_response("POST /metrics HTTP/1.1\r\n\r\n", &page).starts_with("HTTP/1.1 405"));
  EXPECT_TRUE(metrics_response("\x16\x03\x01 garbage", &page).starts_with("HTTP/1.1 400"));
  EXPECT_TRUE(metrics_response("", &page).starts_with("HTTP/1.1 400"));
}

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

// Everything the server sends until it closes (or 5 s pass).
std::string read_all(int fd) {
  std::string out;
  char buffer[4096];
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 5000) <= 0) break;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) break;
    out.append(buffer, static_cast<std::size_t>(n));
  }
  return out;
}

std::string get(int port, const std::string& request = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n") {
  const int fd = connect_to(port);
  EXPECT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  std::string response = read_all(fd);
  ::close(fd);
  return response;
}

TEST(MetricsServer, ServesThePublishedPage) {
  MetricsServer server(parse_listen_address("127.0.0.1:0", false));
  ASSERT_GT(server.port(), 0);
  EXPECT_TRUE(get(server.port()).starts_with("HTTP/1.1 503"));
  // A page larger than a socket buffer arrives whole.
  std::string big;
  for (int i = 0; i < 20000; ++i) big += "memgate_x{i=\"" + std::to_string(i) + "\"} 1\n";
  server.publish(std::make_shared<MetricsPage>(MetricsPage{big, big + "# EOF\n"}));
  const std::string response = get(server.port());
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200 OK")) << response.substr(0, 100);
  EXPECT_TRUE(response.ends_with(big));
  EXPECT_EQ(server.responses(), 2u);
}

TEST(MetricsServer, SlowGarbageAndTooManyClientsDoNotStopAScrape) {
  MetricsServer server(parse_listen_address("127.0.0.1:0", false), {4, 1024, 0.5});
  server.publish(std::make_shared<MetricsPage>(MetricsPage{"memgate_x 1\n", "memgate_x 1\n# EOF\n"}));
  // A request head that never ends: 431, then closed.
  const int garbage = connect_to(server.port());
  const std::string junk(4096, 'x');
  ::send(garbage, junk.data(), junk.size(), MSG_NOSIGNAL);
  EXPECT_TRUE(read_all(garbage).starts_with("HTTP/1.1 431")) << "a head longer than the limit is refused";
  ::close(garbage);
  // More idle connections than slots: the oldest are dropped, a scrape still works.
  std::vector<int> idle;
  for (int i = 0; i < 10; ++i) idle.push_back(connect_to(server.port()));
  EXPECT_TRUE(get(server.port()).starts_with("HTTP/1.1 200 OK"));
  // Idle clients are closed at their deadline (0.5 s here): recv sees the end.
  for (int fd : idle) {
    EXPECT_EQ(read_all(fd), "");
    ::close(fd);
  }
  EXPECT_GE(server.dropped_clients(), 10u);
}

}  // namespace
}  // namespace memgate::sys
