// Transport: the collective operations the distributed walk engine needs,
// over N ranks that all call them in the same order (bulk-synchronous).
//
//   AllToAll      every rank hands one byte buffer per destination rank and
//                 receives one from every source rank (the batched messages
//                 of a BSP round: migrating walkers, queries, answers)
//   AllReduceSum  the sum of one uint64 over all ranks (termination: the
//                 global count of active walkers; stats)
//
// Implementations:
//   LocalTransportGroup  N ranks as N threads of one process, sharing
//                        mailboxes and a barrier (tests: every rank runs the
//                        same code, exactly as under mpirun)
//   MpiTransport         one rank per MPI process (mpi_transport.h); MPI
//                        headers stay out of this header
//
// Thread-safety: a Transport belongs to its rank's thread; the group's
// ranks run concurrently.
#pragma once

#include <barrier>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "syskit/core/result.h"
#include "syskit/core/status.h"

namespace syskit::walk {

class Transport {
 public:
  virtual ~Transport() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // send_per_rank.size() == size(); on return received_per_rank->at(r) is
  // what rank r sent to this rank (send_per_rank[rank()] comes back as is).
  virtual Status AllToAll(const std::vector<std::string>& send_per_rank,
                          std::vector<std::string>* received_per_rank) = 0;
  virtual Result<uint64_t> AllReduceSum(uint64_t value) = 0;
};

// `size` ranks in one process. Run() starts one thread per rank.
class LocalTransportGroup {
 public:
  explicit LocalTransportGroup(int size);
  ~LocalTransportGroup();
  LocalTransportGroup(const LocalTransportGroup&) = delete;
  LocalTransportGroup& operator=(const LocalTransportGroup&) = delete;

  int size() const { return size_; }
  // Runs body(transport of rank r) on thread r for every rank and joins
  // them; returns the first non-OK status by rank order. Every rank must
  // make the same sequence of collective calls (as with MPI).
  Status Run(const std::function<Status(Transport&)>& body);

 private:
  class RankTransport;
  int size_;
  // mailboxes_[source * size + destination]
  std::vector<std::string> mailboxes_;
  std::vector<uint64_t> reduce_slots_;
  std::barrier<> barrier_;
  std::vector<std::unique_ptr<RankTransport>> ranks_;
};

// True when this process was started by an MPI launcher (OpenMPI's mpirun
// sets OMPI_COMM_WORLD_SIZE; PMI_SIZE covers MPICH/Slurm).
bool LaunchedUnderMpi();

}  // namespace syskit::walk
