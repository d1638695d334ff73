// racecheck_libc_race: two threads use strtok (hidden static state) or
// setenv/getenv (the shared environment) with no lock, or with one lock
// (`locked`). Not linked with the runtime: the LD_PRELOAD shim sees the calls.
//
//   racecheck_libc_race <strtok|env> <buggy|locked>
#include <stdlib.h>
#include <string.h>

#include <chrono>
#include <cstdio>
#include <latch>
#include <mutex>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: racecheck_libc_race <strtok|env> <buggy|locked>\n");
    return 2;
  }
  const std::string api = argv[1];
  const bool locked = std::string(argv[2]) == "locked";
  std::mutex mu;
  std::latch start(2);
  auto body = [&](int thread) {
    start.arrive_and_wait();
    for (int i = 0; i < 30; ++i) {
      const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(300);
      while (std::chrono::steady_clock::now() < until) {
      }
      std::unique_lock<std::mutex> lock(mu, std::defer_lock);
      if (locked) lock.lock();
      if (api == "strtok") {
        char text[] = "a,b,c";
        for (char* token = strtok(text, ","); token != nullptr; token = strtok(nullptr, ",")) {
        }
      } else if (thread == 0) {
        setenv("RACECHECK_LIBC_RACE", std::to_string(i).c_str(), 1);
      } else {
        (void)getenv("RACECHECK_LIBC_RACE");
      }
    }
  };
  std::thread first(body, 0), second(body, 1);
  first.join();
  second.join();
  return 0;
}
