// The RESP2 server (see resp_server.h). Frame grammar (Redis protocol spec):
// a request is an array `*<n>\r\n` of bulk strings `$<len>\r\n<bytes>\r\n`,
// or an inline command (one line of space-separated words).
#include "syskit/kv/resp_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace syskit::kv {

struct RespServer::Connection {
  int fd = -1;
  std::string in;
  size_t in_pos = 0;  // parsed prefix of `in`
  std::string out;
  size_t out_pos = 0;
  bool close_after_write = false;
  bool want_write = false;
};

namespace {

void AppendBulk(std::string* out, std::string_view value) {
  *out += '$';
  *out += std::to_string(value.size());
  *out += "\r\n";
  out->append(value);
  *out += "\r\n";
}
void AppendNull(std::string* out) { *out += "$-1\r\n"; }
void AppendInt(std::string* out, int64_t n) {
  *out += ':';
  *out += std::to_string(n);
  *out += "\r\n";
}
void AppendError(std::string* out, std::string_view message) {
  *out += "-ERR ";
  for (char c : message) *out += (c == '\r' || c == '\n') ? ' ' : c;
  *out += "\r\n";
}
void AppendArrayHeader(std::string* out, size_t n) {
  *out += '*';
  *out += std::to_string(n);
  *out += "\r\n";
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

bool ParseInt(std::string_view text, int64_t* value) {
  if (text.empty() || text.size() > 19) return false;
  bool negative = text[0] == '-';
  if (negative) text.remove_prefix(1);
  if (text.empty()) return false;
  int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  *value = negative ? -n : n;
  return true;
}

}  // namespace

bool GlobMatch(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    switch (p[0]) {
      case '*': {
        while (p.size() > 1 && p[1] == '*') p.remove_prefix(1);
        if (p.size() == 1) return true;
        for (size_t i = 0; i <= s.size(); ++i) {
          if (GlobMatch(p.substr(1), s.substr(i))) return true;
        }
        return false;
      }
      case '?':
        if (s.empty()) return false;
        s.remove_prefix(1);
        p.remove_prefix(1);
        break;
      case '[': {
        if (s.empty()) return false;
        size_t i = 1;
        const bool negate = i < p.size() && p[i] == '^';
        if (negate) ++i;
        bool match = false;
        while (i < p.size() && p[i] != ']') {
          if (p[i] == '\\' && i + 1 < p.size()) {
            match |= p[i + 1] == s[0];
            i += 2;
          } else if (i + 2 < p.size() && p[i + 1] == '-' && p[i + 2] != ']') {
            char lo = p[i], hi = p[i + 2];
            if (lo > hi) std::swap(lo, hi);
            match |= s[0] >= lo && s[0] <= hi;
            i += 3;
          } else {
            match |= p[i] == s[0];
            ++i;
          }
        }
        if (negate) match = !match;
        if (!match) return false;
        p.remove_prefix(std::min(i + 1, p.size()));
        s.remove_prefix(1);
        break;
      }
      case '\\':
        if (p.size() >= 2) p.remove_prefix(1);
        [[fallthrough]];
      default:
        if (s.empty() || s[0] != p[0]) return false;
        s.remove_prefix(1);
        p.remove_prefix(1);
    }
  }
  return s.empty();
}

Result<std::unique_ptr<RespServer>> RespServer::Start(DB* db, const ServerOptions& options) {
  std::unique_ptr<RespServer> server(new RespServer(db, options));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(options.port));
  if (options.port < 0 || options.port > 65535) {
    return InvalidArgumentError("port " + std::to_string(options.port) + " is out of range");
  }
  if (inet_pton(AF_INET, options.bind.c_str(), &addr.sin_addr) != 1) {
    return InvalidArgumentError("bind address \"" + options.bind + "\" is not an IPv4 address");
  }
  server->listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (server->listen_fd_ < 0) return ErrnoError("socket", errno);
  const int one = 1;
  setsockopt(server->listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(server->listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    return ErrnoError("bind " + options.bind + ":" + std::to_string(options.port), errno);
  }
  if (listen(server->listen_fd_, 512) != 0) return ErrnoError("listen", errno);
  socklen_t len = sizeof(addr);
  getsockname(server->listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  server->port_ = ntohs(addr.sin_port);
  server->epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  server->wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (server->epoll_fd_ < 0 || server->wake_fd_ < 0) return ErrnoError("epoll/eventfd", errno);
  for (int fd : {server->listen_fd_, server->wake_fd_}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    epoll_ctl(server->epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  }
  return server;
}

RespServer::RespServer(DB* db, const ServerOptions& options) : db_(db), options_(options) {}

RespServer::~RespServer() {
  for (auto& [fd, conn] : connections_) close(fd);
  for (int fd : {listen_fd_, epoll_fd_, wake_fd_}) {
    if (fd >= 0) close(fd);
  }
}

void RespServer::Stop() {
  const uint64_t one = 1;
  if (write(wake_fd_, &one, sizeof(one)) < 0) {
    // The eventfd counter cannot overflow here; nothing to do.
  }
}

void RespServer::CloseConnection(int fd) {
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  connections_.erase(fd);
}

// Writes as much pending output as the socket takes; false if the peer is gone.
bool RespServer::FlushOutput(Connection* conn) {
  while (conn->out_pos < conn->out.size()) {
    const ssize_t n = send(conn->fd, conn->out.data() + conn->out_pos,
                           conn->out.size() - conn->out_pos, MSG_NOSIGNAL);
    if (n > 0) {
      conn->out_pos += n;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    return false;
  }
  if (conn->out_pos == conn->out.size()) {
    conn->out.clear();
    conn->out_pos = 0;
  }
  const bool want_write = !conn->out.empty();
  if (want_write != conn->want_write) {
    epoll_event ev{};
    ev.events = want_write ? (EPOLLIN | EPOLLOUT) : EPOLLIN;
    ev.data.fd = conn->fd;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, conn->fd, &ev);
    conn->want_write = want_write;
  }
  return true;
}

Status RespServer::Run() {
  start_micros_ = Env::Default()->NowMicros();
  std::vector<epoll_event> events(256);
  std::vector<char> buf(64 << 10);
  while (!shutdown_) {
    const int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("epoll_wait", errno);
    }
    for (int e = 0; e < n && !shutdown_; ++e) {
      const int fd = events[e].data.fd;
      if (fd == wake_fd_) {
        shutdown_ = true;
        break;
      }
      if (fd == listen_fd_) {
        while (true) {
          const int client = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (client < 0) break;
          if (connections_.size() >= options_.max_clients) {
            const char kFull[] = "-ERR max number of clients reached\r\n";
            send(client, kFull, sizeof(kFull) - 1, MSG_NOSIGNAL);
            close(client);
            continue;
          }
          const int one = 1;
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          auto conn = std::make_unique<Connection>();
          conn->fd = client;
          epoll_event ev{};
          ev.events = EPOLLIN;
          ev.data.fd = client;
          epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, client, &ev);
          connections_[client] = std::move(conn);
          ++connections_accepted_;
        }
        continue;
      }
      auto found = connections_.find(fd);
      if (found == connections_.end()) continue;
      Connection* conn = found->second.get();
      bool alive = true;
      if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        while (true) {
          const ssize_t got = recv(fd, buf.data(), buf.size(), 0);
          if (got > 0) {
            conn->in.append(buf.data(), got);
            if (got < static_cast<ssize_t>(buf.size())) break;
            continue;
          }
          if (got == 0) alive = false;
          if (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) alive = false;
          break;
        }
        if (!conn->close_after_write) Process(conn);
      }
      if (!FlushOutput(conn)) alive = false;
      if (conn->close_after_write && conn->out.empty()) alive = false;
      if (!alive) CloseConnection(fd);
    }
  }
  for (auto& [fd, conn] : connections_) FlushOutput(conn.get());
  return Status::OK();
}

void RespServer::Process(Connection* conn) {
  std::vector<std::string> args;
  while (!conn->close_after_write && conn->in_pos < conn->in.size()) {
    const std::string_view in = std::string_view(conn->in).substr(conn->in_pos);
    args.clear();
    size_t consumed = 0;
    auto protocol_error = [&](const std::string& what) {
      AppendError(&conn->out, "Protocol error: " + what);
      conn->close_after_write = true;
      ++errors_;
    };
    const size_t line_end = in.find("\r\n");
    if (line_end == std::string_view::npos) {
      if (in.size() > 64 << 10) protocol_error("too big inline request");
      break;  // incomplete
    }
    if (in[0] == '*') {
      int64_t count = 0;
      if (!ParseInt(in.substr(1, line_end - 1), &count) || count < 0) {
        protocol_error("invalid multibulk length");
        break;
      }
      if (static_cast<uint64_t>(count) > options_.max_arguments) {
        protocol_error("too many arguments (" + std::to_string(count) + ", limit " +
                       std::to_string(options_.max_arguments) + ")");
        break;
      }
      size_t pos = line_end + 2;
      size_t total = 0;
      bool complete = true, bad = false;
      for (int64_t a = 0; a < count; ++a) {
        const size_t end = in.find("\r\n", pos);
        if (end == std::string_view::npos) {
          complete = false;
          if (in.size() - pos > 64) bad = true;  // a bulk header is short
          break;
        }
        int64_t len = 0;
        if (in[pos] != '$' || !ParseInt(in.substr(pos + 1, end - pos - 1), &len) || len < 0) {
          protocol_error("expected '$' and a bulk length, got \"" +
                         std::string(in.substr(pos, std::min<size_t>(end - pos, 20))) + "\"");
          bad = true;
          break;
        }
        total += static_cast<size_t>(len);
        if (total > options_.max_request_bytes) {
          protocol_error("request of more than " + std::to_string(options_.max_request_bytes) +
                         " bytes exceeds the limit");
          bad = true;
          break;
        }
        if (in.size() < end + 2 + len + 2) {
          complete = false;
          break;
        }
        if (in.substr(end + 2 + len, 2) != "\r\n") {
          protocol_error("bulk string not terminated by CRLF");
          bad = true;
          break;
        }
        args.emplace_back(in.substr(end + 2, len));
        pos = end + 2 + len + 2;
      }
      if (bad) {
        if (!conn->close_after_write) protocol_error("malformed bulk header");
        break;
      }
      if (!complete) break;
      consumed = pos;
    } else {
      // Inline command.
      std::string_view line = in.substr(0, line_end);
      size_t start = 0;
      while (start < line.size()) {
        while (start < line.size() && line[start] == ' ') ++start;
        size_t end = start;
        while (end < line.size() && line[end] != ' ') ++end;
        if (end > start) args.emplace_back(line.substr(start, end - start));
        start = end;
      }
      consumed = line_end + 2;
    }
    conn->in_pos += consumed;
    if (!args.empty()) Execute(conn, args);
  }
  if (conn->in_pos == conn->in.size()) {
    conn->in.clear();
    conn->in_pos = 0;
  } else if (conn->in_pos > (1 << 20)) {
    conn->in.erase(0, conn->in_pos);
    conn->in_pos = 0;
  }
}

void RespServer::Execute(Connection* conn, std::vector<std::string>& args) {
  ++commands_;
  std::string& out = conn->out;
  const std::string name = Upper(args[0]);
  const size_t argc = args.size();
  WriteOptions write_options;
  write_options.sync = options_.sync;
  auto wrong_args = [&] {
    AppendError(&out, "wrong number of arguments for '" + args[0] + "' command");
    ++errors_;
  };
  auto db_error = [&](const Status& s) {
    AppendError(&out, s.ToString());
    ++errors_;
  };
  if (name == "PING") {
    if (argc == 1) {
      out += "+PONG\r\n";
    } else if (argc == 2) {
      AppendBulk(&out, args[1]);
    } else {
      wrong_args();
    }
  } else if (name == "GET") {
    if (argc != 2) return wrong_args();
    std::string value;
    Status s = db_->Get({}, args[1], &value);
    if (s.ok()) {
      AppendBulk(&out, value);
    } else if (s.code() == StatusCode::kNotFound) {
      AppendNull(&out);
    } else {
      db_error(s);
    }
  } else if (name == "SET") {
    if (argc != 3) {
      if (argc > 3) {
        AppendError(&out, "syntax error (SET options are not supported)");
        return;
      }
      return wrong_args();
    }
    Status s = db_->Put(write_options, args[1], args[2]);
    if (s.ok()) {
      out += "+OK\r\n";
    } else {
      db_error(s);
    }
  } else if (name == "DEL" || name == "EXISTS") {
    if (argc < 2) return wrong_args();
    int64_t present = 0;
    WriteBatch batch;
    std::string value;
    for (size_t a = 1; a < argc; ++a) {
      Status s = db_->Get({}, args[a], &value);
      if (s.ok()) {
        ++present;
        batch.Delete(args[a]);
      } else if (s.code() != StatusCode::kNotFound) {
        return db_error(s);
      }
    }
    if (name == "DEL" && batch.Count() > 0) {
      Status s = db_->Write(write_options, &batch);
      if (!s.ok()) return db_error(s);
    }
    AppendInt(&out, present);
  } else if (name == "MGET") {
    if (argc < 2) return wrong_args();
    AppendArrayHeader(&out, argc - 1);
    std::string value;
    for (size_t a = 1; a < argc; ++a) {
      Status s = db_->Get({}, args[a], &value);
      if (s.ok()) {
        AppendBulk(&out, value);
      } else {
        AppendNull(&out);
      }
    }
  } else if (name == "MSET") {
    if (argc < 3 || argc % 2 != 1) return wrong_args();
    WriteBatch batch;
    for (size_t a = 1; a + 1 < argc; a += 2) batch.Put(args[a], args[a + 1]);
    Status s = db_->Write(write_options, &batch);
    if (s.ok()) {
      out += "+OK\r\n";
    } else {
      db_error(s);
    }
  } else if (name == "SCAN") {
    if (argc < 2 || argc % 2 != 0) return wrong_args();
    int64_t cursor = 0;
    if (!ParseInt(args[1], &cursor) || cursor < 0) {
      AppendError(&out, "invalid cursor");
      return;
    }
    std::string pattern = "*";
    int64_t count = 10;
    for (size_t a = 2; a + 1 < argc; a += 2) {
      const std::string option = Upper(args[a]);
      if (option == "MATCH") {
        pattern = args[a + 1];
      } else if (option == "COUNT") {
        if (!ParseInt(args[a + 1], &count) || count < 1) {
          AppendError(&out, "value is not an integer or out of range");
          return;
        }
      } else {
        AppendError(&out, "syntax error");
        return;
      }
    }
    std::string start;
    if (cursor != 0) {
      auto found = scan_cursors_.find(static_cast<uint64_t>(cursor));
      if (found == scan_cursors_.end()) {
        AppendError(&out, "invalid cursor (unknown or expired)");
        return;
      }
      start = found->second;
      scan_cursors_.erase(found);
    }
    auto it = db_->NewIterator({});
    if (start.empty()) {
      it->SeekToFirst();
    } else {
      it->Seek(start);
    }
    std::vector<std::string> keys;
    for (int64_t visited = 0; it->Valid() && visited < count; it->Next(), ++visited) {
      if (GlobMatch(pattern, it->key())) keys.emplace_back(it->key());
    }
    if (!it->status().ok()) return db_error(it->status());
    uint64_t next = 0;
    if (it->Valid()) {
      next = next_cursor_++;
      scan_cursors_[next] = std::string(it->key());
      if (scan_cursors_.size() > 4096) scan_cursors_.erase(scan_cursors_.begin());
    }
    AppendArrayHeader(&out, 2);
    AppendBulk(&out, std::to_string(next));
    AppendArrayHeader(&out, keys.size());
    for (const std::string& key : keys) AppendBulk(&out, key);
  } else if (name == "DBSIZE") {
    if (argc != 1) return wrong_args();
    auto it = db_->NewIterator({});
    int64_t count = 0;
    for (it->SeekToFirst(); it->Valid(); it->Next()) ++count;
    if (!it->status().ok()) return db_error(it->status());
    AppendInt(&out, count);
  } else if (name == "FLUSHALL") {
    auto it = db_->NewIterator({});
    WriteBatch batch;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      batch.Delete(it->key());
      if (batch.ApproximateSize() > (1 << 20)) {
        Status s = db_->Write(write_options, &batch);
        if (!s.ok()) return db_error(s);
        batch.Clear();
      }
    }
    if (!it->status().ok()) return db_error(it->status());
    Status s = db_->Write(write_options, &batch);
    if (!s.ok()) return db_error(s);
    out += "+OK\r\n";
  } else if (name == "INFO") {
    std::string stats;
    db_->GetProperty("kv.stats", &stats);
    std::string text =
        "# Server\r\nredis_version:7.0.0\r\nsyskit_kv:1\r\ntcp_port:" + std::to_string(port_) +
        "\r\nuptime_in_seconds:" +
        std::to_string((Env::Default()->NowMicros() - start_micros_) / 1000000) +
        "\r\n# Clients\r\nconnected_clients:" + std::to_string(connections_.size()) +
        "\r\n# Stats\r\ntotal_connections_received:" + std::to_string(connections_accepted_) +
        "\r\ntotal_commands_processed:" + std::to_string(commands_) +
        "\r\nerror_replies:" + std::to_string(errors_) +
        "\r\n# Persistence\r\nsync_writes:" + (options_.sync ? "always" : "none") +
        "\r\n# Storage\r\n";
    for (char c : stats) {
      if (c == '\n') {
        text += "\r\n";
      } else {
        text += c == ' ' ? '\t' : c;
      }
    }
    AppendBulk(&out, text);
  } else if (name == "QUIT") {
    out += "+OK\r\n";
    conn->close_after_write = true;
  } else if (name == "SHUTDOWN") {
    out += "+OK\r\n";
    FlushOutput(conn);
    shutdown_ = true;
  } else {
    std::string shown = args[0].substr(0, 64);
    AppendError(&out, "unknown command '" + shown + "'");
    ++errors_;
  }
}

}  // namespace syskit::kv
