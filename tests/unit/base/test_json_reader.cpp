// The input layer: typed reads with JSON-pointer errors (json_reader.hpp).
#include <doctest/doctest.h>

#include <random>
#include <string>

#include "vramplan/api.hpp"
#include "vramplan/json_reader.hpp"

using vramplan::Error;
using vramplan::Json;
using vramplan::ObjectReader;

namespace {

// Runs `read` and returns the error it raised (an empty Error when it raised none).
template <class F>
Error error_of(F&& read) {
  auto result = vramplan::catch_input_errors<int>([&] {
    read();
    return 0;
  });
  return result.ok() ? Error{} : result.error();
}

}  // namespace

TEST_CASE("pointers escape ~ and / as RFC 6901 says") {
  CHECK(vramplan::pointer_append("", "train") == "/train");
  CHECK(vramplan::pointer_append("/a", "b/c~d") == "/a/b~1c~0d");
  CHECK(vramplan::pointer_append("/list", std::size_t{3}) == "/list/3");
}

TEST_CASE("integers: range, type and whole-number floats") {
  const Json doc = Json::parse(R"({"mb": -3, "f": 8.0, "frac": 2.5, "s": "8", "big": 1e308, "neg0": -0.0, "u": 18446744073709551615})");
  ObjectReader r(doc, "/train");
  SUBCASE("below range names pointer, range and value") {
    const Error e = error_of([&] { r.integer("mb", 1, 65536, 1); });
    CHECK(e.line() == "error: /train/mb: must be an integer from 1 to 65536, got -3");
  }
  SUBCASE("8.0 is accepted as 8") { CHECK(r.integer("f", 1, 10, 1) == 8); }
  SUBCASE("fractions are rejected") { CHECK(error_of([&] { r.integer("frac", 1, 10, 1); }).pointer == "/train/frac"); }
  SUBCASE("strings are rejected with their type") {
    CHECK(error_of([&] { r.integer("s", 1, 10, 1); }).message == "must be an integer from 1 to 10, got string \"8\"");
  }
  SUBCASE("1e308 is out of range, not undefined behaviour") {
    CHECK(error_of([&] { r.integer("big", 1, 10, 1); }).pointer == "/train/big");
  }
  SUBCASE("-0 reads as 0") { CHECK(r.integer("neg0", 0, 10, 1) == 0); }
  SUBCASE("unsigned 2^64-1 is out of range") { CHECK(error_of([&] { r.integer("u", 1, 10, 1); }).pointer == "/train/u"); }
  SUBCASE("absent keys give the fallback") { CHECK(r.integer("absent", 1, 10, 7) == 7); }
}

TEST_CASE("numbers, booleans, choices and unknown keys") {
  const Json doc = Json::parse(R"({"u": 1.5, "b": "yes", "c": "adam", "typo": 1})");
  ObjectReader r(doc, "");
  CHECK(error_of([&] { r.number("u", 0.05, 1.0, 0.9); }).line() == "error: /u: must be a number from 0.05 to 1, got 1.5");
  CHECK(error_of([&] { r.boolean("b", false); }).message == "must be true or false, got string \"yes\"");
  CHECK(error_of([&] { r.choice("c", {"adamw", "sgd"}, "adamw"); }).message ==
        "must be one of \"adamw\", \"sgd\", got \"adam\"");
  CHECK(error_of([&] { r.reject_unknown_keys(); }).pointer == "/typo");
}

TEST_CASE("error values are short even for huge strings") {
  const Json doc = Json{{"s", std::string(10 * 1024 * 1024, 'x')}};
  ObjectReader r(doc, "");
  const Error e = error_of([&] { r.string("s", "", 256); });
  CHECK(e.pointer == "/s");
  CHECK(e.line().size() < 200);
  CHECK(vramplan::describe_value(doc.at("s")).size() < 60);
}

namespace {

// What describe_value showed before it stopped serializing whole values: the whole dump, cut.
std::string whole_dump_cut(const Json& value) {
  std::string text = value.dump(-1, ' ', true, Json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 40) + "...";
  return text;
}

// Strings of bytes biased toward what breaks a cut: multi-byte UTF-8, stray continuation bytes, lead
// bytes at the end, quotes and control characters that dump escapes.
std::string random_bytes(std::mt19937& rng) {
  static const std::string kPieces[] = {"a", "\"", "\\", "\n", std::string(1, '\0'), "\xc3\xa9", "\xe2\x82\xac",
                                        "\xf0\x9f\x98\x80", "\x80", "\xbf", "\xc3", "\xe2\x82", "\xf0\x9f", "\xff"};
  std::string s;
  const int pieces = static_cast<int>(rng() % 60);
  for (int i = 0; i < pieces; ++i) s += kPieces[rng() % (sizeof(kPieces) / sizeof(kPieces[0]))];
  return s;
}

Json random_value(std::mt19937& rng, int depth) {
  switch (rng() % (depth > 2 ? 4 : 6)) {
    case 0: return random_bytes(rng);
    case 1: return static_cast<int>(rng() % 100000) - 50000;
    case 2: return 0.5 * static_cast<double>(rng() % 1000);
    case 3: return rng() % 2 == 0;
    case 4: {
      Json a = Json::array();
      for (int i = static_cast<int>(rng() % 6); i > 0; --i) a.push_back(random_value(rng, depth + 1));
      return a;
    }
    default: {
      Json o = Json::object();
      for (int i = static_cast<int>(rng() % 6); i > 0; --i) o[random_bytes(rng)] = random_value(rng, depth + 1);
      return o;
    }
  }
}

}  // namespace

TEST_CASE("describe_value shows exactly the start of the whole dump, without serializing the whole value") {
  std::mt19937 rng(20261206);
  for (int i = 0; i < 20000; ++i) {
    const Json value = random_value(rng, 0);
    INFO("value: " << value.dump(-1, ' ', true, Json::error_handler_t::replace));
    REQUIRE(vramplan::describe_value(value) == whole_dump_cut(value));
  }
  // Large values: a 10 MB string inside an array inside an object, and 100,000 small members.
  Json nested = Json::object();
  nested["k"] = Json::array({std::string(10 * 1024 * 1024, '\xe2'), 1});
  CHECK(vramplan::describe_value(nested) == whole_dump_cut(nested));
  Json wide = Json::object();
  for (int i = 0; i < 100000; ++i) wide["key" + std::to_string(i)] = i;
  CHECK(vramplan::describe_value(wide) == whole_dump_cut(wide));
}

TEST_CASE("parse_json_text rejects malformed, non-UTF-8 and over-deep documents") {
  CHECK_FALSE(vramplan::api::parse_json_text("{\"a\": ").ok());
  CHECK_FALSE(vramplan::api::parse_json_text("{\"a\": \"\xff\xfe\"}").ok());
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  const auto result = vramplan::api::parse_json_text(deep);
  REQUIRE_FALSE(result.ok());
  CHECK(result.error().message.find("nested deeper") != std::string::npos);
  CHECK(vramplan::api::parse_json_text(R"({"model": "x"})").ok());
}
