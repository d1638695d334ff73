// LocalTransportGroup: N BSP ranks as N threads. Each collective is two
// barrier phases: every rank writes its outgoing slots, barrier, every rank
// reads its incoming slots, barrier (so a slot is never overwritten before
// it is read). Same semantics as MPI_Alltoallv / MPI_Allreduce(SUM).
#include "syskit/walk/transport.h"

#include <cstdlib>
#include <thread>

#include "syskit/core/check.h"

namespace syskit::walk {

class LocalTransportGroup::RankTransport final : public Transport {
 public:
  RankTransport(LocalTransportGroup* group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_->size_; }

  Status AllToAll(const std::vector<std::string>& send_per_rank,
                  std::vector<std::string>* received_per_rank) override {
    const int n = group_->size_;
    SYSKIT_CHECK(static_cast<int>(send_per_rank.size()) == n)
        << "AllToAll: " << send_per_rank.size() << " buffers for " << n << " ranks";
    for (int dest = 0; dest < n; ++dest) group_->mailboxes_[rank_ * n + dest] = send_per_rank[dest];
    group_->barrier_.arrive_and_wait();
    received_per_rank->resize(n);
    for (int source = 0; source < n; ++source) {
      (*received_per_rank)[source] = std::move(group_->mailboxes_[source * n + rank_]);
    }
    group_->barrier_.arrive_and_wait();
    return Status::OK();
  }

  Result<uint64_t> AllReduceSum(uint64_t value) override {
    group_->reduce_slots_[rank_] = value;
    group_->barrier_.arrive_and_wait();
    uint64_t sum = 0;
    for (uint64_t slot : group_->reduce_slots_) sum += slot;
    group_->barrier_.arrive_and_wait();
    return sum;
  }

 private:
  LocalTransportGroup* group_;
  int rank_;
};

LocalTransportGroup::LocalTransportGroup(int size)
    : size_(size),
      mailboxes_(static_cast<size_t>(size) * size),
      reduce_slots_(size),
      barrier_(size) {
  SYSKIT_CHECK(size >= 1) << "LocalTransportGroup needs at least one rank, got " << size;
  for (int r = 0; r < size; ++r) ranks_.push_back(std::make_unique<RankTransport>(this, r));
}

LocalTransportGroup::~LocalTransportGroup() = default;

Status LocalTransportGroup::Run(const std::function<Status(Transport&)>& body) {
  std::vector<Status> results(size_);
  std::vector<std::thread> threads;
  for (int r = 0; r < size_; ++r) {
    threads.emplace_back([&, r] { results[r] = body(*ranks_[r]); });
  }
  for (std::thread& thread : threads) thread.join();
  for (const Status& status : results) {
    if (!status.ok()) return status;
  }
  return Status::OK();
}

bool LaunchedUnderMpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr;
}

}  // namespace syskit::walk
