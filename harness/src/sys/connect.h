// Stream sockets memgate connects to (a target listening on a unix socket or a TCP
// port). One attempt each: the caller owns the retry policy and its messages.
#pragma once

#include <cstddef>
#include <string>

namespace memgate::sys {

inline constexpr std::size_t kMaxUnixSocketPath = 107;  // sizeof sockaddr_un::sun_path - 1

bool is_ipv4_address(const std::string& host);

// A connected socket (close-on-exec; TCP with TCP_NODELAY, records must not wait for
// Nagle), or -1 with err set to the connect errno. Throws Error(internal) when no
// socket can be created at all.
int connect_unix_once(const std::string& path, int& err);
int connect_tcp_once(const std::string& ipv4_host, int port, int& err);

}  // namespace memgate::sys
