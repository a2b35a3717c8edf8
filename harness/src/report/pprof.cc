#include "report/pprof.h"

#include <zlib.h>

#include <map>
#include <utility>

#include "memgate/error.h"

namespace memgate::report {

namespace {

// Protocol buffers' wire format: varints, and length-delimited fields (wire type 2).
class Message {
 public:
  void varint(std::uint64_t v) {
    while (v >= 0x80) {
      bytes_.push_back(static_cast<char>((v & 0x7f) | 0x80));
      v >>= 7;
    }
    bytes_.push_back(static_cast<char>(v));
  }
  void field(int number, std::uint64_t v) {  // wire type 0
    if (v == 0) return;                      // proto3: zero is the default, not written
    varint(static_cast<std::uint64_t>(number) << 3);
    varint(v);
  }
  void bytes(int number, const std::string& data) {  // wire type 2
    varint((static_cast<std::uint64_t>(number) << 3) | 2);
    varint(data.size());
    bytes_ += data;
  }
  void packed(int number, const std::vector<std::uint64_t>& values) {
    Message inner;
    for (const auto v : values) inner.varint(v);
    bytes(number, inner.bytes_);
  }
  const std::string& data() const { return bytes_; }

 private:
  std::string bytes_;
};

class Strings {
 public:
  Strings() { index(""); }  // string_table[0] must be ""
  std::uint64_t index(const std::string& s) {
    const auto [it, added] = ids_.try_emplace(s, list_.size());
    if (added) list_.push_back(s);
    return it->second;
  }
  const std::vector<std::string>& list() const { return list_; }

 private:
  std::map<std::string, std::uint64_t> ids_;
  std::vector<std::string> list_;
};

std::string gzip(const std::string& data) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error(ExitCode::internal, "zlib: cannot start a gzip stream");
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw Error(ExitCode::internal, "zlib: gzip of the profile failed");
  return out;
}

}  // namespace

std::string pprof_profile(const std::vector<ProfileStack>& stacks, std::int64_t duration_ns) {
  Strings strings;
  Message profile;
  for (const auto& [type, unit] : {std::pair{"growth_objects", "count"}, std::pair{"growth_space", "bytes"}}) {
    Message value_type;
    value_type.field(1, strings.index(type));
    value_type.field(2, strings.index(unit));
    profile.bytes(1, value_type.data());  // sample_type
  }
  std::map<std::string, std::uint64_t> mappings;                             // module -> id
  std::map<std::pair<std::string, std::uint64_t>, std::uint64_t> locations;  // (module, offset) -> id
  std::map<std::pair<std::string, std::string>, std::uint64_t> functions;    // (name, file) -> id
  Message mapping_list, location_list, function_list;
  for (const auto& stack : stacks) {
    std::vector<std::uint64_t> ids;
    for (const auto& f : stack.frames) {
      auto [m, new_mapping] = mappings.try_emplace(f.module, mappings.size() + 1);
      if (new_mapping) {
        Message mapping;
        mapping.field(1, m->second);
        mapping.field(3, ~std::uint64_t{0} >> 1);  // memory_limit: addresses are file offsets
        mapping.field(5, strings.index(f.module));
        mapping.field(7, 1);  // has_functions
        mapping.field(8, 1);  // has_filenames
        mapping.field(9, 1);  // has_line_numbers
        mapping_list.bytes(3, mapping.data());
      }
      auto [loc, new_location] = locations.try_emplace({f.module, f.offset}, locations.size() + 1);
      if (new_location) {
        Message location;
        location.field(1, loc->second);
        location.field(2, m->second);
        location.field(3, f.offset);
        const std::string name = f.function.empty() ? f.module + "+" + std::to_string(f.offset) : f.function;
        auto [fn, new_function] = functions.try_emplace({name, f.file}, functions.size() + 1);
        if (new_function) {
          Message function;
          function.field(1, fn->second);
          function.field(2, strings.index(name));
          function.field(3, strings.index(name));
          function.field(4, strings.index(f.file));
          function_list.bytes(5, function.data());
        }
        Message line;
        line.field(1, fn->second);
        line.field(2, static_cast<std::uint64_t>(f.line));
        location.bytes(4, line.data());
        location_list.bytes(4, location.data());
      }
      ids.push_back(loc->second);
    }
    Message sample;
    sample.packed(1, ids);
    sample.packed(2, {static_cast<std::uint64_t>(stack.count), static_cast<std::uint64_t>(stack.bytes)});
    profile.bytes(2, sample.data());
  }
  Message period_type;
  period_type.field(1, strings.index("space"));
  period_type.field(2, strings.index("bytes"));
  // The string table goes last, once every string is in it (field order is free).
  Message rest;
  for (const auto& s : strings.list()) rest.bytes(6, s);
  rest.field(10, static_cast<std::uint64_t>(duration_ns));  // duration_nanos
  rest.bytes(11, period_type.data());                       // period_type
  return gzip(profile.data() + mapping_list.data() + location_list.data() + function_list.data() + rest.data());
}

}  // namespace memgate::report
