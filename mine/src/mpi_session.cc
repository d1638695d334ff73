// MpiSession over MPI_COMM_WORLD: AllGather is MPI_Allgather of the word
// counts, then MPI_Allgatherv of the 64-bit words (MPI_UINT64_T). Errors
// come back as codes (MPI_ERRORS_RETURN) and become Status values.
#include "syskit/mine/mpi_session.h"

#include <mpi.h>

#include <climits>
#include <cstdlib>
#include <string>

namespace syskit::mine {
namespace {

Status MpiError(const char* call, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return InternalError(std::string(call) + " failed: " + std::string(text, length));
}

}  // namespace

bool MpiBuilt() { return true; }

bool LaunchedUnderMpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr;
}

Result<std::unique_ptr<MpiSession>> MpiSession::Start() {
  if (int code = MPI_Init(nullptr, nullptr); code != MPI_SUCCESS) {
    return InternalError("MPI_Init failed with code " + std::to_string(code));
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  std::unique_ptr<MpiSession> session(new MpiSession());
  MPI_Comm_rank(MPI_COMM_WORLD, &session->rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &session->size_);
  return session;
}

MpiSession::~MpiSession() { MPI_Finalize(); }

Result<std::vector<std::vector<uint64_t>>> MpiSession::AllGather(
    const std::vector<uint64_t>& words) {
  if (words.size() > INT_MAX / 2) return InvalidArgumentError("AllGather: too many words");
  int count = static_cast<int>(words.size());
  std::vector<int> counts(size_), displacements(size_);
  if (int code = MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, MPI_COMM_WORLD);
      code != MPI_SUCCESS) {
    return MpiError("MPI_Allgather", code);
  }
  long long total = 0;
  for (int r = 0; r < size_; ++r) {
    displacements[r] = static_cast<int>(total);
    total += counts[r];
    if (total > INT_MAX) return InvalidArgumentError("AllGather: too many words in total");
  }
  std::vector<uint64_t> all(static_cast<size_t>(total));
  if (int code = MPI_Allgatherv(words.data(), count, MPI_UINT64_T, all.data(), counts.data(),
                                displacements.data(), MPI_UINT64_T, MPI_COMM_WORLD);
      code != MPI_SUCCESS) {
    return MpiError("MPI_Allgatherv", code);
  }
  std::vector<std::vector<uint64_t>> per_rank(size_);
  for (int r = 0; r < size_; ++r) {
    per_rank[r].assign(all.begin() + displacements[r], all.begin() + displacements[r] + counts[r]);
  }
  return per_rank;
}

void MpiSession::Abort(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

}  // namespace syskit::mine
