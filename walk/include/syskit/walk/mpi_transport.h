// MPI transport for the distributed walk engine: one rank per MPI process
// (MPI_COMM_WORLD). Declared without MPI headers; when syskit was built
// without MPI (FindMPI found nothing) the functions return FailedPrecondition
// "MPI support was not built" and MpiBuilt() is false.
#pragma once

#include <memory>

#include "syskit/core/result.h"
#include "syskit/walk/transport.h"

namespace syskit::walk {

// True when this binary was compiled with MPI support.
bool MpiBuilt();

// RAII: MPI_Init on Start, MPI_Finalize on destruction. One per process.
class MpiSession {
 public:
  static Result<std::unique_ptr<MpiSession>> Start();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  // The world communicator as a Transport (owned by the session).
  Transport& transport() { return *transport_; }
  // Ends every rank (MPI_Abort): for an error only some ranks saw, where the
  // others would wait forever in the next collective.
  [[noreturn]] void Abort(int exit_code);

 private:
  MpiSession() = default;
  std::unique_ptr<Transport> transport_;
};

}  // namespace syskit::walk
