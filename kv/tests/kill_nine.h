// The kill -9 harness shared by the recovery and tiered-store tests.
//
// A child process opens the DB and writes key(i % keys) = "v<i>" plus i % 300
// padding bytes for i = *next_index, *next_index + 1, ..., reporting each
// acknowledged i on a pipe (and calling `after_put`, e.g. to read). The
// parent kills it with SIGKILL after a random number of acknowledgements,
// reopens the DB and checks that every acknowledged write is there (the one
// write in flight may or may not have landed), and that the iterator yields
// each key once, in order, with the value Get returns, and no key that was
// never written.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <functional>
#include <map>
#include <string>

#include "syskit/core/random.h"
#include "syskit/kv/db.h"

namespace syskit::kv::testing_support {

struct KillNineRound {
  Options child_options;   // the writer's options
  Options reopen_options;  // the checker's options
  uint64_t keys = 2000;
  uint64_t max_acks = 6000;                     // kill after 500 + Uniform(max_acks)
  std::function<void(DB*, Random&)> after_put;  // optional, in the child
  std::function<std::string(uint64_t)> key_of;  // key names
};

inline std::string KillNineValue(uint64_t i) {
  return "v" + std::to_string(i) + std::string(i % 300, 'p');
}

inline void RunKillNineRound(const std::string& dir, uint64_t seed, const KillNineRound& round,
                             std::map<std::string, uint64_t>* acked, uint64_t* next_index) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const uint64_t start = *next_index;
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    auto db = DB::Open(round.child_options, dir);
    if (!db.ok()) _exit(3);
    Random rng(seed);
    for (uint64_t i = start;; ++i) {
      if (!(*db)->Put({}, round.key_of(i % round.keys), KillNineValue(i)).ok()) _exit(4);
      if (write(fds[1], &i, sizeof(i)) != sizeof(i)) _exit(5);
      if (round.after_put) round.after_put(db->get(), rng);
    }
  }
  close(fds[1]);
  Random rng(seed);
  const uint64_t kill_after = 500 + rng.Uniform(round.max_acks);
  uint64_t count = 0, i = 0;
  while (count < kill_after && read(fds[0], &i, sizeof(i)) == sizeof(i)) {
    (*acked)[round.key_of(i % round.keys)] = i;
    ++count;
  }
  kill(pid, SIGKILL);
  while (read(fds[0], &i, sizeof(i)) == sizeof(i)) (*acked)[round.key_of(i % round.keys)] = i;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
  uint64_t max_acked = 0;
  for (const auto& [key, index] : *acked) max_acked = std::max(max_acked, index);
  *next_index = max_acked + 2;  // max_acked + 1 may or may not have landed

  auto db_or = DB::Open(round.reopen_options, dir);
  ASSERT_TRUE(db_or.ok()) << db_or.status();
  auto db = std::move(db_or).value();
  std::string value;
  const uint64_t in_flight = max_acked + 1;
  const std::string in_flight_key = round.key_of(in_flight % round.keys);
  for (const auto& [key, index] : *acked) {
    ASSERT_TRUE(db->Get({}, key, &value).ok()) << key;
    ASSERT_TRUE(value == KillNineValue(index) ||
                (key == in_flight_key && value == KillNineValue(in_flight)))
        << key << " has " << value.substr(0, 12) << ", acknowledged v" << index;
  }
  auto it = db->NewIterator({});
  std::string prev;
  size_t n = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next(), ++n) {
    ASSERT_LT(prev, std::string(it->key()));
    prev = it->key();
    ASSERT_TRUE(acked->count(prev) == 1 || prev == in_flight_key) << prev;
    ASSERT_TRUE(db->Get({}, prev, &value).ok());
    ASSERT_EQ(it->value(), value);
  }
  ASSERT_TRUE(it->status().ok());
  EXPECT_GE(n, acked->size());
  // The in-flight write, if it landed, becomes the acknowledged state.
  if (db->Get({}, in_flight_key, &value).ok() && value == KillNineValue(in_flight)) {
    (*acked)[in_flight_key] = in_flight;
  }
}

// SYSKIT_KV_CRASH_ROUNDS rounds (4 by default; the slow tier runs more) on
// one directory, seeds first_seed, first_seed + 1, ...
inline void RunKillNineRounds(const std::string& dir, uint64_t first_seed,
                              const KillNineRound& round, std::map<std::string, uint64_t>* acked) {
  const char* env = std::getenv("SYSKIT_KV_CRASH_ROUNDS");
  const int rounds = env != nullptr ? std::atoi(env) : 4;
  uint64_t next_index = 0;
  for (int r = 0; r < rounds; ++r) {
    RunKillNineRound(dir, first_seed + static_cast<uint64_t>(r), round, acked, &next_index);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

}  // namespace syskit::kv::testing_support
