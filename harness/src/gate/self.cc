#include "gate/self.h"

namespace memgate::gate {

const sys::SelfMemory& self_memory() {
  static const sys::SelfMemory memory;
  return memory;
}

}  // namespace memgate::gate
