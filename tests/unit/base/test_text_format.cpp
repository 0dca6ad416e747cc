// text::format walks its format itself with fast paths for "%.Nf", "%s", "%d" and "%lld": every output
// must be byte for byte what vsnprintf writes, ties, signs, large values and the other conversions included.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>

#include "vramplan/text_format.hpp"

using vramplan::text::format;

namespace {

template <class... A>
std::string printf_of(const char* f, A... a) {
  char buffer[1024];
  const int n = std::snprintf(buffer, sizeof buffer, f, a...);
  return n < 0 ? std::string() : std::string(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), 1023));
}

}  // namespace

TEST_CASE("fixed-point fast path: the same digits as printf, ties and signs included") {
  const double values[] = {0.0,    -0.0,   0.5,    1.5,     2.5,    -0.5,   0.125,  0.375,    1.005,  2.675,
                           -0.001, 0.0049, 0.0051, 999.995, 1e14,   -1e14,  4.2e15, 1e300,    1e-300, 123456789.987654,
                           7.62e9, 3.5e-7, 0.999,  9.9999,  65536,  -2.5e-9};
  for (const double v : values) {
    for (int d = 0; d <= 7; ++d) {
      CAPTURE(v);
      CAPTURE(d);
      CHECK(format("%.*f", d, v) == printf_of("%.*f", d, v));
    }
    CHECK(format("%.0f", v) == printf_of("%.0f", v));
    CHECK(format("%.2f GiB", v) == printf_of("%.2f GiB", v));
    CHECK(format("%f", v) == printf_of("%f", v));
  }
  CHECK(format("%.0f", NAN) == printf_of("%.0f", NAN));
  CHECK(format("%.1f", -INFINITY) == printf_of("%.1f", -INFINITY));
}

TEST_CASE("random values and decimals: identical to printf") {
  std::mt19937_64 rng(20261205);
  std::uniform_real_distribution<double> mantissa(-10.0, 10.0);
  std::uniform_int_distribution<int> exponent(-12, 16);
  std::uniform_int_distribution<int> decimals(0, 6);
  for (int i = 0; i < 200000; ++i) {
    const double v = mantissa(rng) * std::pow(10.0, exponent(rng));
    const int d = decimals(rng);
    const std::string mine = format("%.*f", d, v);
    const std::string theirs = printf_of("%.*f", d, v);
    if (mine != theirs) {
      CAPTURE(v);
      CAPTURE(d);
      CHECK(mine == theirs);
    }
  }
  // Halves at every scale: exact ties go to printf, near-ties are decided the same way.
  for (int k = 0; k < 100000; ++k) {
    const double v = (k + 0.5) / 100.0;
    CHECK(format("%.1f|%.2f|%.0f", v, v, v * 100) == printf_of("%.1f|%.2f|%.0f", v, v, v * 100));
  }
}

TEST_CASE("the other conversions and literal text go through unchanged") {
  CHECK(format("%s x %lld = %d%%", "params", 42LL, -7) == "params x 42 = -7%");
  CHECK(format("%.3g and %5.1f and %-6s| and %05d", 1234.5678, 3.14159, "ab", 42) ==
        printf_of("%.3g and %5.1f and %-6s| and %05d", 1234.5678, 3.14159, "ab", 42));
  CHECK(format("%lld %zu %u %x %c %e", -9000000000LL, std::size_t{17}, 4000000000u, 255u, 'z', 6.02e23) ==
        printf_of("%lld %zu %u %x %c %e", -9000000000LL, std::size_t{17}, 4000000000u, 255u, 'z', 6.02e23));
  CHECK(format("%*d|%.*s|%+.1f", 6, 12, 3, "abcdef", 2.25) == printf_of("%*d|%.*s|%+.1f", 6, 12, 3, "abcdef", 2.25));
  CHECK(format("no conversion at all") == "no conversion at all");
  CHECK(format("%s", "") == "");
  // Output is cut at 1023 bytes, as the 1024-byte buffer did.
  const std::string long_text(2000, 'a');
  CHECK(format("%s", long_text.c_str()).size() == 1023);
  CHECK(vramplan::text::gib(1.5 * vramplan::kBytesPerGiB) == "1.50 GiB");
  CHECK(vramplan::text::gib(1.25 * vramplan::kBytesPerGiB, 1) == printf_of("%.1f GiB", 1.25));
}

TEST_CASE("gib writes what printf's \"%.*f GiB\" writes: ties, negatives, huge and non-finite values") {
  using vramplan::kBytesPerGiB;
  using vramplan::text::gib;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> exponent(-3, 18);
  for (int k = 0; k < 20000; ++k) {
    const double bytes = std::pow(10.0, exponent(rng)) * (k % 3 == 0 ? -1 : 1);
    const int decimals = k % 4;
    CHECK(gib(bytes, decimals) == printf_of("%.*f GiB", decimals, bytes / kBytesPerGiB));
  }
  CHECK(gib(0.125 * kBytesPerGiB, 2) == printf_of("%.2f GiB", 0.125));  // a tie: printf's rounding
  CHECK(gib(-0.001, 1) == printf_of("%.1f GiB", -0.001 / kBytesPerGiB));
  CHECK(gib(1e30) == printf_of("%.2f GiB", 1e30 / kBytesPerGiB));
  CHECK(gib(std::numeric_limits<double>::infinity()) == "inf GiB");
}

TEST_CASE("%.Ng fast path: printf's digits and layout, fixed and exponent forms, near powers of ten") {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> exponent(-7, 17);
  for (int k = 0; k < 100000; ++k) {
    const double v = std::pow(10.0, exponent(rng)) * (k % 5 == 0 ? -1 : 1);
    const int p = k % 7;  // 0 (taken as 1) to 6
    CHECK(format("%.*g|%.3g", p, v, v) == printf_of("%.*g|%.3g", p, v, v));
  }
  for (double v : {9.995, 99.95, 999.5, 9995.0, 0.0001, 0.00009999, 0.000099996, 1e15, 999999999999999.0, 123456.0,
                   1234567.0, 0.5, 1.0, 10.0, 100.0, 4.02e9, 3.49, 2.0, 0.125, -0.0, 0.0}) {
    for (int p = 0; p <= 7; ++p) CHECK(format("%.*g", p, v) == printf_of("%.*g", p, v));
  }
  for (int decade = -5; decade <= 15; ++decade) {
    const double ten = std::pow(10.0, decade);
    for (double v : {ten, std::nextafter(ten, 0.0), std::nextafter(ten, 1e300), ten * 9.9995, ten * 0.99995}) {
      CHECK(format("%.3g %.1g %.6g", v, v, v) == printf_of("%.3g %.1g %.6g", v, v, v));
    }
  }
  CHECK(format("%.3g", std::numeric_limits<double>::infinity()) == "inf");
  CHECK(format("%.3g", std::nan("")) == printf_of("%.3g", std::nan("")));
}
