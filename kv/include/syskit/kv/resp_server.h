// RespServer: serves a kv::DB over the Redis protocol (RESP2) so stock
// clients (redis-cli, redis-benchmark) work unmodified.
//
// One epoll event loop thread; non-blocking sockets; pipelined requests are
// parsed and answered in order. Commands: PING GET SET DEL EXISTS MGET MSET
// SCAN (MATCH, COUNT) DBSIZE INFO FLUSHALL QUIT SHUTDOWN. An unknown command
// gets "-ERR unknown command"; a malformed frame gets "-ERR Protocol error"
// and that connection is closed after the reply; other clients are
// unaffected. Requests larger than max_request_bytes are refused the same way.
//
// Thread-safety: Run() on one thread; Stop() from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/kv/db.h"

namespace syskit::kv {

struct ServerOptions {
  std::string bind = "127.0.0.1";       // address to listen on
  int port = 6379;                      // 0 = pick a free port
  bool sync = false;                    // --sync=always: fsync the WAL per write
  size_t max_request_bytes = 64 << 20;  // one command (all arguments) at most
  size_t max_arguments = 1 << 20;       // arguments per command at most
  size_t max_clients = 10000;
};

class RespServer {
 public:
  // Binds and listens; InvalidArgument for a bad address, IOError if busy.
  static Result<std::unique_ptr<RespServer>> Start(DB* db, const ServerOptions& options);
  ~RespServer();
  int port() const { return port_; }
  // Serves until SHUTDOWN or Stop().
  Status Run();
  void Stop();
  uint64_t commands() const { return commands_; }

 private:
  struct Connection;
  RespServer(DB* db, const ServerOptions& options);
  // Parses and executes every complete command in conn's input.
  void Process(Connection* conn);
  void Execute(Connection* conn, std::vector<std::string>& args);
  void CloseConnection(int fd);
  bool FlushOutput(Connection* conn);

  DB* db_;
  ServerOptions options_;
  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int port_ = 0;
  bool shutdown_ = false;
  std::map<int, std::unique_ptr<Connection>> connections_;
  std::map<uint64_t, std::string> scan_cursors_;  // cursor id -> next key
  uint64_t next_cursor_ = 1;
  uint64_t commands_ = 0, connections_accepted_ = 0, errors_ = 0;
  uint64_t start_micros_ = 0;
};

// Redis glob matching (*, ?, [abc], [^a-z], \x) as used by SCAN MATCH.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace syskit::kv
