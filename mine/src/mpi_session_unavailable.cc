// MpiSession for builds without MPI (CMake's FindMPI found none): Start()
// reports that MPI support was not built, so a binary started by mpirun
// never silently counts the whole graph on every rank.
#include <cstdlib>

#include "syskit/mine/mpi_session.h"

namespace syskit::mine {

bool MpiBuilt() { return false; }

bool LaunchedUnderMpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr;
}

Result<std::unique_ptr<MpiSession>> MpiSession::Start() {
  return FailedPreconditionError(
      "MPI support was not built (install libopenmpi-dev and reconfigure to enable it)");
}

MpiSession::~MpiSession() = default;

Result<std::vector<std::vector<uint64_t>>> MpiSession::AllGather(const std::vector<uint64_t>&) {
  return FailedPreconditionError("MPI support was not built");
}

void MpiSession::Abort(int exit_code) { std::_Exit(exit_code); }

}  // namespace syskit::mine
