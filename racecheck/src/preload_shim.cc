// LD_PRELOAD shim: thread-unsafe C library APIs under TSVD contracts.
//
// strtok and localtime keep hidden static state; getenv/setenv/unsetenv
// share the environment. Each group is one object for the runtime; strtok,
// localtime, setenv and unsetenv write it, getenv reads it. The call site is
// the caller's module and offset (file = module path, line = offset). The
// runtime is compiled into the shim and started from RACECHECK_* variables
// like a linked-in one:
//
//   syskit racecheck run --preload=path/to/libracecheck_preload.so -- ./prog
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cstdint>

#include "syskit/racecheck/runtime.h"

namespace {

using syskit::racecheck::OpId;

// The runtime itself calls getenv; calls made while the shim is already
// handling one go straight to libc.
thread_local int g_in_shim = 0;

char g_strtok_state, g_localtime_state, g_environ_state;

template <class F>
F Next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

void Hook(const void* group, OpId op, const char* method, bool is_write, void* caller) {
  if (g_in_shim > 0) return;
  ++g_in_shim;
  Dl_info info{};
  const char* module = "?";
  uint32_t offset = 0;
  if (::dladdr(caller, &info) != 0 && info.dli_fname != nullptr) {
    module = info.dli_fname;
    offset = static_cast<uint32_t>(reinterpret_cast<uintptr_t>(caller) -
                                   reinterpret_cast<uintptr_t>(info.dli_fbase));
  }
  syskit::racecheck::OnCallAt(group, op, is_write, module, offset, method);
  --g_in_shim;
}

OpId Op(const char* method) {
  ++g_in_shim;
  const OpId op = syskit::racecheck::RegisterOp("libc", method);
  --g_in_shim;
  return op;
}

}  // namespace

extern "C" {

char* strtok(char* text, const char* delimiters) {
  static const OpId op = Op("strtok");
  static const auto real = Next<char* (*)(char*, const char*)>("strtok");
  Hook(&g_strtok_state, op, "strtok", true, __builtin_return_address(0));
  return real(text, delimiters);
}

struct tm* localtime(const time_t* clock) {
  static const OpId op = Op("localtime");
  static const auto real = Next<struct tm* (*)(const time_t*)>("localtime");
  Hook(&g_localtime_state, op, "localtime", true, __builtin_return_address(0));
  return real(clock);
}

char* getenv(const char* name) {
  static const auto real = Next<char* (*)(const char*)>("getenv");
  if (g_in_shim > 0) return real(name);
  static const OpId op = Op("getenv");
  Hook(&g_environ_state, op, "getenv", false, __builtin_return_address(0));
  return real(name);
}

int setenv(const char* name, const char* value, int overwrite) {
  static const OpId op = Op("setenv");
  static const auto real = Next<int (*)(const char*, const char*, int)>("setenv");
  Hook(&g_environ_state, op, "setenv", true, __builtin_return_address(0));
  return real(name, value, overwrite);
}

int unsetenv(const char* name) {
  static const OpId op = Op("unsetenv");
  static const auto real = Next<int (*)(const char*)>("unsetenv");
  Hook(&g_environ_state, op, "unsetenv", true, __builtin_return_address(0));
  return real(name);
}

}  // extern "C"
