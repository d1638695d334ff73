// MPI for `syskit mine`: the outer loop of every plan is split across the
// processes of MPI_COMM_WORLD (graph replicated, each rank loads it), and
// the ranks' partial counts are gathered and summed. Declared without MPI
// headers; in a build without MPI (CMake's FindMPI found none) Start()
// returns FailedPrecondition "MPI support was not built" and MpiBuilt() is
// false.
//
// Thread-safety: one session per process, used from the main thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "syskit/core/result.h"

namespace syskit::mine {

// True when this binary was compiled with MPI support.
bool MpiBuilt();

// True when the process was started by mpirun/mpiexec (OpenMPI's
// OMPI_COMM_WORLD_SIZE or a PMI launcher's PMI_SIZE is set). A plain run
// needs no mpirun and never initialises MPI.
bool LaunchedUnderMpi();

// RAII: MPI_Init on Start, MPI_Finalize on destruction.
class MpiSession {
 public:
  static Result<std::unique_ptr<MpiSession>> Start();
  ~MpiSession();
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }

  // Every rank passes its words (any length); every rank gets all ranks'
  // words in rank order. Collective: all ranks must call it.
  Result<std::vector<std::vector<uint64_t>>> AllGather(const std::vector<uint64_t>& words);

  // Ends every rank (MPI_Abort) with `exit_code`.
  [[noreturn]] void Abort(int exit_code);

 private:
  MpiSession() = default;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace syskit::mine
