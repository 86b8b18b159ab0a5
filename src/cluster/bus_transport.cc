// Plaintext bus links; see bus_transport.h.
#include "cluster/bus_transport.h"

#include "net/plain_transport.h"

namespace redoubt::cluster {
namespace {

class PlainBusLink final : public BusTransport {
 public:
  explicit PlainBusLink(int fd) : socket_(fd) {}
  Step Handshake(std::string* /*error*/) override { return Step::kDone; }
  net::IoResult Read(char* buf, size_t len) override { return socket_.Read(buf, len); }
  net::IoResult Write(const char* buf, size_t len) override { return socket_.Write(buf, len); }
  bool tls() const override { return false; }
  int fd() const override { return socket_.fd(); }

 private:
  net::PlainTransport socket_;  // owns the descriptor
};

}  // namespace

std::unique_ptr<BusTransport> PlainBusTransport(int fd) {
  return std::make_unique<PlainBusLink>(fd);
}

}  // namespace redoubt::cluster
