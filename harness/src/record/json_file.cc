#include "record/json_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "memgate/error.h"
#include "sys/file_access.h"
#include "sys/fs.h"
#include "sys/read_file.h"

namespace memgate::record {
namespace {

using nlohmann::json;

// nlohmann's DOM builder behind a SAX filter that knows where it is ("traffic.stages[0]
// .rate"), so a depth beyond the limit or a number beyond a double is refused with the
// field's name before the document exists. nlohmann's parser is iterative, and so is its
// destructor, so stopping deep inside frees the partial document without recursion.
class LimitedSax {
 public:
  LimitedSax(json& result, const std::string& name) : dom_(result, /*allow_exceptions=*/true), name_(name) {}

  bool null() { return scalar(dom_.null()); }
  bool boolean(bool v) { return scalar(dom_.boolean(v)); }
  bool number_integer(json::number_integer_t v) { return scalar(dom_.number_integer(v)); }
  bool number_unsigned(json::number_unsigned_t v) { return scalar(dom_.number_unsigned(v)); }
  bool number_float(json::number_float_t v, const json::string_t& s) { return scalar(dom_.number_float(v, s)); }
  bool string(json::string_t& v) { return scalar(dom_.string(v)); }
  bool binary(json::binary_t& v) { return scalar(dom_.binary(v)); }
  bool start_object(std::size_t n) {
    open(false);
    return dom_.start_object(n);
  }
  bool key(json::string_t& k) {
    frames_.back().key = k;
    return dom_.key(k);
  }
  bool end_object() { return close(dom_.end_object()); }
  bool start_array(std::size_t n) {
    open(true);
    return dom_.start_array(n);
  }
  bool end_array() { return close(dom_.end_array()); }
  [[noreturn]] bool parse_error(std::size_t, const std::string& token, const nlohmann::detail::exception& e) {
    if (e.id == 406)  // out_of_range: a number beyond a double, e.g. 1e400
      fail(where() + "number " + token + " does not fit a double (at most about 1.8e308)");
    // e.what() carries the line and column.
    throw Error(ExitCode::usage, name_ + ": not valid JSON: " + e.what());
  }

 private:
  struct Frame {
    bool array;
    std::size_t index = 0;
    std::string key;
  };
  std::string where() const {
    std::string path;
    for (const Frame& f : frames_)
      path += f.array ? "[" + std::to_string(f.index) + "]" : (path.empty() ? "" : ".") + f.key;
    return path.empty() ? std::string() : path + ": ";
  }
  [[noreturn]] void fail(const std::string& message) const { throw Error(ExitCode::usage, name_ + ": " + message); }
  void open(bool array) {
    if (frames_.size() >= static_cast<std::size_t>(kMaxJsonDepth))
      fail((frames_.front().array ? std::string() : frames_.front().key + ": ") + "nested deeper than " +
           std::to_string(kMaxJsonDepth) + " levels");
    frames_.push_back({array, 0, {}});
  }
  bool scalar(bool ok) {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    return ok;
  }
  bool close(bool ok) {
    frames_.pop_back();
    return scalar(ok);
  }
  nlohmann::detail::json_sax_dom_parser<json> dom_;
  const std::string& name_;
  std::vector<Frame> frames_;
};

}  // namespace

nlohmann::json parse_json_text(std::string_view text, const std::string& name, bool ignore_comments) {
  json result;
  LimitedSax sax(result, name);
  json::sax_parse(text.begin(), text.end(), &sax, nlohmann::detail::input_format_t::json, /*strict=*/true,
                  ignore_comments);
  return result;
}

nlohmann::json read_json_file(const std::string& path, const JsonReadOptions& options) {
  const auto text = sys::try_read_text_file(path, options.max_bytes);
  if (!text) {
    if (errno == EISDIR) throw Error(ExitCode::usage, path + ": is a directory; expected a JSON " + options.what);
    if (errno == EFBIG) {
      const auto st = sys::file_status(path);  // a regular file has a size to name; a pipe does not
      const std::string size =
          st && st->regular ? std::to_string(st->size_bytes) : "more than " + std::to_string(options.max_bytes);
      throw Error(ExitCode::usage, path + ": " + size + " bytes; a " + options.what + " may be at most " +
                                       std::to_string(options.max_bytes) + " bytes");
    }
    throw Error(ExitCode::usage,
                path + ": cannot open the " + options.what + " (" + std::strerror(errno) + "); " + options.hint);
  }
  return parse_json_text(*text, path, options.ignore_comments);
}

std::string dump_json(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

void write_json_file(const std::string& path, const nlohmann::json& value) {
  sys::write_text_file(path, dump_json(value, 2) + '\n');  // atomic; no temporary left on failure
}

}  // namespace memgate::record
