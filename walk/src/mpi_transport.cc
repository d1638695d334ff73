// MpiTransport: the Transport collectives over MPI_COMM_WORLD. AllToAll is
// the two-step variable-size exchange: MPI_Alltoall of the byte counts, then
// MPI_Alltoallv of the bytes (counts are int: a single buffer must stay
// under 2 GiB, checked). AllReduceSum is MPI_Allreduce(MPI_UINT64_T, SUM).
#include "syskit/walk/mpi_transport.h"

#include <mpi.h>

#include <climits>
#include <cstdlib>

namespace syskit::walk {
namespace {

Status MpiError(const char* call, int code) {
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  return InternalError(std::string(call) + " failed: " + std::string(text, length));
}

class MpiTransport final : public Transport {
 public:
  MpiTransport() {
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  Status AllToAll(const std::vector<std::string>& send_per_rank,
                  std::vector<std::string>* received_per_rank) override {
    std::vector<int> send_counts(size_), recv_counts(size_), send_displs(size_), recv_displs(size_);
    long long total_send = 0;
    for (int r = 0; r < size_; ++r) {
      if (send_per_rank[r].size() > INT_MAX) {
        return InvalidArgumentError("AllToAll: a buffer of " +
                                    std::to_string(send_per_rank[r].size()) +
                                    " bytes exceeds MPI's int count");
      }
      send_counts[r] = static_cast<int>(send_per_rank[r].size());
      send_displs[r] = static_cast<int>(total_send);
      total_send += send_counts[r];
      if (total_send > INT_MAX) return InvalidArgumentError("AllToAll: send total exceeds 2 GiB");
    }
    if (int code = MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT,
                                MPI_COMM_WORLD);
        code != MPI_SUCCESS) {
      return MpiError("MPI_Alltoall", code);
    }
    long long total_recv = 0;
    for (int r = 0; r < size_; ++r) {
      recv_displs[r] = static_cast<int>(total_recv);
      total_recv += recv_counts[r];
    }
    if (total_recv > INT_MAX) return InvalidArgumentError("AllToAll: receive total exceeds 2 GiB");
    std::string send_bytes;
    send_bytes.reserve(total_send);
    for (const std::string& buffer : send_per_rank) send_bytes += buffer;
    std::string recv_bytes(total_recv, '\0');
    if (int code = MPI_Alltoallv(send_bytes.data(), send_counts.data(), send_displs.data(),
                                 MPI_BYTE, recv_bytes.data(), recv_counts.data(),
                                 recv_displs.data(), MPI_BYTE, MPI_COMM_WORLD);
        code != MPI_SUCCESS) {
      return MpiError("MPI_Alltoallv", code);
    }
    received_per_rank->resize(size_);
    for (int r = 0; r < size_; ++r) {
      (*received_per_rank)[r].assign(recv_bytes, recv_displs[r], recv_counts[r]);
    }
    return Status::OK();
  }

  Result<uint64_t> AllReduceSum(uint64_t value) override {
    uint64_t sum = 0;
    if (int code = MPI_Allreduce(&value, &sum, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
        code != MPI_SUCCESS) {
      return MpiError("MPI_Allreduce", code);
    }
    return sum;
  }

 private:
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace

bool MpiBuilt() { return true; }

Result<std::unique_ptr<MpiSession>> MpiSession::Start() {
  if (int code = MPI_Init(nullptr, nullptr); code != MPI_SUCCESS) {
    return InternalError("MPI_Init failed with code " + std::to_string(code));
  }
  // Errors come back as codes (reported as Status), not as an abort inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  std::unique_ptr<MpiSession> session(new MpiSession());
  session->transport_ = std::make_unique<MpiTransport>();
  return session;
}

MpiSession::~MpiSession() {
  transport_.reset();
  MPI_Finalize();
}

void MpiSession::Abort(int exit_code) {
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

}  // namespace syskit::walk
