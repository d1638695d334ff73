// LocalTransportGroup: the in-process BSP transport behaves as MPI's
// Alltoallv / Allreduce(SUM) do, over repeated rounds.
#include "syskit/walk/transport.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>

namespace syskit::walk {
namespace {

TEST(LocalTransportGroup, AllToAllDeliversEveryBufferToItsDestination) {
  for (int size : {1, 2, 3, 4}) {
    LocalTransportGroup group(size);
    std::atomic<int> checked{0};
    Status status = group.Run([&](Transport& transport) -> Status {
      EXPECT_EQ(transport.size(), size);
      for (int round = 0; round < 5; ++round) {
        std::vector<std::string> send(size), received;
        for (int dest = 0; dest < size; ++dest) {
          send[dest] = std::to_string(transport.rank()) + ">" + std::to_string(dest) + "@" +
                       std::to_string(round);
        }
        SYSKIT_RETURN_IF_ERROR(transport.AllToAll(send, &received));
        EXPECT_EQ(received.size(), static_cast<size_t>(size));
        for (int source = 0; source < size; ++source) {
          EXPECT_EQ(received[source], std::to_string(source) + ">" +
                                          std::to_string(transport.rank()) + "@" +
                                          std::to_string(round));
        }
        SYSKIT_ASSIGN_OR_RETURN(uint64_t sum, transport.AllReduceSum(transport.rank() + round));
        EXPECT_EQ(sum, static_cast<uint64_t>(size * (size - 1) / 2 + size * round));
      }
      ++checked;
      return Status::OK();
    });
    EXPECT_TRUE(status.ok()) << status;
    EXPECT_EQ(checked.load(), size);
  }
}

TEST(LocalTransportGroup, RunReturnsTheFirstRanksError) {
  LocalTransportGroup group(3);
  Status status = group.Run([](Transport& transport) -> Status {
    if (transport.rank() == 0) return Status::OK();
    return InternalError("rank " + std::to_string(transport.rank()) + " failed");
  });
  EXPECT_EQ(status.message(), "rank 1 failed");
}

}  // namespace
}  // namespace syskit::walk
