// MPI transport for builds without MPI (CMake's FindMPI found none): every
// entry point reports that MPI support was not built (invariant: this
// binary never claims a multi-process run it cannot do).
#include <cstdlib>

#include "syskit/walk/mpi_transport.h"

namespace syskit::walk {

bool MpiBuilt() { return false; }

Result<std::unique_ptr<MpiSession>> MpiSession::Start() {
  return FailedPreconditionError(
      "MPI support was not built (install libopenmpi-dev and reconfigure to enable it)");
}

MpiSession::~MpiSession() = default;

void MpiSession::Abort(int exit_code) { std::_Exit(exit_code); }

}  // namespace syskit::walk
