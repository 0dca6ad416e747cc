// The JSON-to-YAML writer (vramplan/yaml.hpp): quoting, numbers, nesting, key order and comments.
// tests/config/ parses the writer's output with the npm `yaml` package; these pin the exact text.
#include <doctest/doctest.h>

#include <string>

#include "vramplan/yaml.hpp"

using vramplan::yaml::Comments;
using vramplan::yaml::Document;
using vramplan::yaml::OrderedJson;
using vramplan::yaml::needs_quotes;
using vramplan::yaml::number;
using vramplan::yaml::scalar;
using vramplan::yaml::to_yaml;

TEST_CASE("plain strings stay plain") {
  for (const char* text : {"Qwen/Qwen2.5-7B-Instruct", "torch.optim.AdamW", "all-linear", "file://verl/trainer/config",
                           "~/data/gsm8k/train.parquet", "none", "bfloat16", "a:b", "a#b", "_self_", "q_proj",
                           "nemo_automodel.NeMoAutoModelForCausalLM.from_pretrained", "${policy.model_name}",
                           "h\xC3\xA9llo \xE4\xB8\x96\xE7\x95\x8C"}) {
    CAPTURE(text);
    CHECK_FALSE(needs_quotes(text));
    CHECK(scalar(text) == text);
  }
}

TEST_CASE("strings a YAML reader would read as something else are double-quoted") {
  SUBCASE("empty") { CHECK(scalar("") == "\"\""); }
  SUBCASE("null and booleans of YAML 1.1 and 1.2, any case") {
    for (const char* text : {"null", "Null", "NULL", "~", "true", "True", "FALSE", "yes", "No", "on", "OFF", "y",
                             "n", "N", "Y"}) {
      CAPTURE(text);
      CHECK(scalar(text) == std::string("\"") + text + "\"");
    }
  }
  SUBCASE("numbers of every form") {
    for (const char* text : {"1", "-3", "+1", "0.5", ".5", "1e5", "1.0e-5", "0x1F", "0o17", "1_000", "1:30", ".inf",
                             "-.inf", ".NaN", "007", "2025-01-01"}) {
      CAPTURE(text);
      CHECK(needs_quotes(text));
    }
  }
  SUBCASE("leading indicators and spaces") {
    for (const char* text : {"-x", "?x", ":x", ",x", "[x", "]x", "{x", "}x", "#x", "&x", "*x", "!x", "|x", ">x",
                             "'x", "\"x", "%x", "@x", "`x", " x", "x ", "x:"}) {
      CAPTURE(text);
      CHECK(needs_quotes(text));
    }
  }
  SUBCASE("colon-space and space-hash") {
    CHECK(scalar("a: b") == "\"a: b\"");
    CHECK(scalar("a #b") == "\"a #b\"");
  }
  SUBCASE("merge and value keys") {
    CHECK(needs_quotes("<<"));
    CHECK(needs_quotes("="));
  }
}

TEST_CASE("double-quoted strings escape what they must") {
  CHECK(scalar("line1\nline2") == "\"line1\\nline2\"");
  CHECK(scalar("tab\there") == "\"tab\\there\"");
  CHECK(scalar("say \"hi\": ok") == "\"say \\\"hi\\\": ok\"");
  CHECK(scalar("back\\slash: x") == "\"back\\\\slash: x\"");
  CHECK(scalar(std::string("nul\0x", 5)) == "\"nul\\0x\"");
  CHECK(scalar("bell\x07") == "\"bell\\x07\"");
  CHECK(scalar("del\x7F") == "\"del\\x7F\"");
  SUBCASE("unicode line breaks and the BOM") {
    CHECK(scalar("a\xC2\x85z") == "\"a\\Nz\"");
    CHECK(scalar("a\xE2\x80\xA8z") == "\"a\\Lz\"");
    CHECK(scalar("a\xE2\x80\xA9z") == "\"a\\Pz\"");
    CHECK(scalar("\xEF\xBB\xBFz") == "\"\\uFEFFz\"");
  }
  SUBCASE("other unicode stays as UTF-8 inside quotes") {
    CHECK(scalar("\xE2\x9C\x93: ok") == "\"\xE2\x9C\x93: ok\"");
  }
  SUBCASE("invalid UTF-8 becomes U+FFFD") {
    CHECK(scalar("a\xFFz") == "\"a\xEF\xBF\xBDz\"");
    CHECK(scalar("\xC0\xAF") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");          // overlong '/'
    CHECK(scalar("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a surrogate
    CHECK(scalar("\xE4\xB8") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\"");          // truncated
  }
}

TEST_CASE("numbers: integers as written, floats always with a dot") {
  CHECK(number(OrderedJson(8)) == "8");
  CHECK(number(OrderedJson(-3)) == "-3");
  CHECK(number(OrderedJson(std::uint64_t{18446744073709551615ULL})) == "18446744073709551615");
  CHECK(number(OrderedJson(0.6)) == "0.6");
  CHECK(number(OrderedJson(32.0)) == "32.0");
  CHECK(number(OrderedJson(1e-5)) == "1.0e-05");
  CHECK(number(OrderedJson(5e-6)) == "5.0e-06");
  CHECK(number(OrderedJson(1.5e-7)) == "1.5e-07");
  CHECK(number(OrderedJson(1e20)) == "1.0e+20");
}

TEST_CASE("block layout: nesting, key order, empty collections, scalars") {
  OrderedJson doc = OrderedJson::object();
  doc["zeta"] = 1;
  doc["alpha"]["inner"] = "x";
  doc["alpha"]["flag"] = true;
  doc["list"] = OrderedJson::array({"a", 2, nullptr, false});
  doc["empty_list"] = OrderedJson::array();
  doc["empty_map"] = OrderedJson::object();
  doc["n"] = 16;
  CHECK(to_yaml(doc) ==
        "zeta: 1\n"
        "alpha:\n"
        "  inner: x\n"
        "  flag: true\n"
        "list:\n"
        "  - a\n"
        "  - 2\n"
        "  - null\n"
        "  - false\n"
        "empty_list: []\n"
        "empty_map: {}\n"
        "\"n\": 16\n");
}

TEST_CASE("lists of mappings and lists of lists use the compact form") {
  OrderedJson doc = OrderedJson::object();
  doc["scheduler"] = OrderedJson::array();
  doc["scheduler"].push_back({{"name", "LinearLR"}, {"kwargs", {{"start_factor", 0.1}}}});
  doc["scheduler"].push_back({{"milestones", OrderedJson::array({50})}});
  doc["grid"] = OrderedJson::array({OrderedJson::array({1, 2}), OrderedJson::array()});
  CHECK(to_yaml(doc) ==
        "scheduler:\n"
        "  - name: LinearLR\n"
        "    kwargs:\n"
        "      start_factor: 0.1\n"
        "  - milestones:\n"
        "      - 50\n"
        "grid:\n"
        "  - - 1\n"
        "    - 2\n"
        "  - []\n");
}

TEST_CASE("comments by JSON pointer: header, above, trailing, multi-line, escaped keys") {
  Document d;
  d.set("/policy/train_micro_batch_size", 4, "micro batch 4: the largest that fits\nsecond line", "scenario");
  d.set("/policy/dtensor_cfg/enabled", true, {}, "FSDP2");
  d.set("/a~1b/c~0d", "x", "key with a slash");
  d.set("/list", OrderedJson::array({"p", "q"}), {}, "two items");
  d.comments.above["/list/1"] = "the second";
  d.comments.above[""] = "header line\n\nafter a blank";
  d.comment("/policy", "policy block");
  CHECK(to_yaml(d) ==
        "# header line\n"
        "#\n"
        "# after a blank\n"
        "# policy block\n"
        "policy:\n"
        "  # micro batch 4: the largest that fits\n"
        "  # second line\n"
        "  train_micro_batch_size: 4  # scenario\n"
        "  dtensor_cfg:\n"
        "    enabled: true  # FSDP2\n"
        "a/b:\n"
        "  # key with a slash\n"
        "  c~d: x\n"
        "list:  # two items\n"
        "  - p\n"
        "  # the second\n"
        "  - q\n");
}

TEST_CASE("comment text cannot break out of the comment") {
  Comments comments;
  comments.trailing["/k"] = "one\ntwo\rthree";
  comments.above["/k"] = "a\x01" "b";
  const OrderedJson doc = {{"k", 1}};
  CHECK(to_yaml(doc, comments) == "# a b\nk: 1  # one two three\n");
}

TEST_CASE("keys are quoted like values") {
  OrderedJson doc = OrderedJson::object();
  doc["yes"] = 1;
  doc["1"] = 2;
  doc[""] = 3;
  doc["a: b"] = 4;
  CHECK(to_yaml(doc) == "\"yes\": 1\n\"1\": 2\n\"\": 3\n\"a: b\": 4\n");
}

TEST_CASE("a nested mapping in a list whose first key has a comment starts on its own line") {
  Comments comments;
  comments.above["/l/0/k"] = "first";
  const OrderedJson doc = {{"l", OrderedJson::array({{{"k", 1}, {"m", 2}}})}};
  CHECK(to_yaml(doc, comments) == "l:\n  -\n    # first\n    k: 1\n    m: 2\n");
}

TEST_CASE("scalar and empty documents") {
  CHECK(to_yaml(OrderedJson("x: y")) == "\"x: y\"\n");
  CHECK(to_yaml(OrderedJson::object()) == "{}\n");
  CHECK(to_yaml(OrderedJson::array()) == "[]\n");
  CHECK(to_yaml(OrderedJson(nullptr)) == "null\n");
}
