#include "vramplan/text_format.hpp"

#include <algorithm>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstring>

namespace vramplan::text {
namespace {

constexpr std::size_t kMaxOutput = 1023;  // what the 1024-byte vsnprintf buffer used to hold

// "%.Nf" without flags or width, for |x| below 1e15 / 10^N: x x 10^N carries at most one rounding of
// the multiplication, so a value whose scaled fraction lies within 1e-6 of a .5 tie is left to printf
// (which rounds the exact binary value, ties to even); every other value rounds the same way here.
// glibc's printf formats such doubles through multi-precision arithmetic (__printf_fp, __mpn_*), which
// the profile of an RL estimate showed as a third of its time (docs/benchmarks.md).
bool append_fixed(std::string& out, double x, int decimals) {
  static constexpr double kPow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
  if (decimals < 0 || decimals > 6 || !std::isfinite(x)) return false;
  const double scaled = std::fabs(x) * kPow10[decimals];
  if (!(scaled < 1e15)) return false;
  const double whole = std::floor(scaled);
  const double frac = scaled - whole;
  if (std::fabs(frac - 0.5) < 1e-6) return false;
  auto rounded = static_cast<std::uint64_t>(frac > 0.5 ? whole + 1 : whole);
  const auto places = static_cast<std::size_t>(decimals);
  char digits[24];  // written from the end: at most 16 digits below 1e15, the point and the zeros before it
  std::size_t at = sizeof digits;
  for (std::size_t written = 0; rounded > 0 || written <= places; ++written) {
    if (written == places && places > 0) digits[--at] = '.';
    digits[--at] = static_cast<char>('0' + rounded % 10);
    rounded /= 10;
  }
  if (std::signbit(x)) out += '-';  // printf keeps the sign of a negative value that rounds to zero
  out.append(digits + at, sizeof digits - at);
  return true;
}

// "%.Pg" without flags or width, for 1e-4 <= |x| < 1e15 and P in 1..6: the value rounded to P significant
// digits as an integer (the same tie rule as append_fixed: within 1e-6 of a tie, printf decides), then
// printf's %g layout: fixed when -4 <= exponent < P, else d.ddde+XX, trailing zeros and a bare point
// removed (C11 7.21.6.1 "g"). The time model's texts write three of these per RL estimate.
bool append_general(std::string& out, double x, int precision) {
  static constexpr double kPow10[] = {1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
  const int p = precision == 0 ? 1 : precision;
  const double ax = std::fabs(x);
  if (p < 1 || p > 6 || !std::isfinite(x) || !(ax >= 1e-4) || !(ax < 1e15)) return false;
  int exp10 = static_cast<int>(std::floor(std::log10(ax)));
  const int shift = exp10 - p + 1;  // rounded x 10^shift is the value; -9 <= shift <= 14
  const double scaled = shift >= 0 ? ax / kPow10[shift] : ax * kPow10[-shift];
  const double whole = std::floor(scaled);
  if (std::fabs(scaled - whole - 0.5) < 1e-6) return false;
  auto rounded = static_cast<std::uint64_t>(scaled - whole > 0.5 ? whole + 1 : whole);
  const auto limit = static_cast<std::uint64_t>(kPow10[p]);
  if (rounded < limit / 10 || rounded > limit) return false;  // log10 landed on the wrong side of a power of ten
  if (rounded == limit) rounded /= 10, ++exp10;              // 9.995 -> 10.0: one more digit before the point
  char digits[8];
  for (int i = p - 1; i >= 0; --i) digits[i] = static_cast<char>('0' + rounded % 10), rounded /= 10;
  int used = p;
  if (std::signbit(x)) out += '-';
  if (exp10 < -4 || exp10 >= p) {
    while (used > 1 && digits[used - 1] == '0') --used;
    out += digits[0];
    if (used > 1) out.append(1, '.').append(digits + 1, static_cast<std::size_t>(used - 1));
    out += exp10 < 0 ? "e-" : "e+";
    const int e = exp10 < 0 ? -exp10 : exp10;
    if (e < 10) out += '0';
    out += std::to_string(e);
    return true;
  }
  const int before = exp10 + 1;  // digits before the point (<= 0: "0." and zeros first)
  while (used > std::max(before, 0) && digits[used - 1] == '0') --used;
  if (before <= 0) {
    out.append("0.").append(static_cast<std::size_t>(-before), '0').append(digits, static_cast<std::size_t>(used));
  } else {
    out.append(digits, static_cast<std::size_t>(std::min(before, used)));
    if (used > before) out.append(1, '.').append(digits + before, static_cast<std::size_t>(used - before));
  }
  return true;
}

// One conversion "%[flags][width][.precision][length]conv" parsed from the format string.
struct Spec {
  const char* begin = nullptr;  // at '%'
  const char* end = nullptr;    // one past the conversion character
  bool plain = true;            // no flags and no width
  bool star_width = false, star_precision = false;
  int precision = -1;           // -1: none
  char length = 0;              // 0, 'h' (h/hh), 'l', 'q' (ll), 'L', 'z', 'j', 't'
  char conv = 0;
};

bool is_flag(char c) { return c == '-' || c == '+' || c == ' ' || c == '#' || c == '0' || c == '\''; }
bool is_length(char c) {
  return c == 'h' || c == 'l' || c == 'L' || c == 'q' || c == 'z' || c == 'j' || c == 't';
}

Spec parse_spec(const char* p) {
  Spec s;
  s.begin = p++;
  while (is_flag(*p)) s.plain = false, ++p;
  if (*p == '*') s.star_width = true, s.plain = false, ++p;
  while (*p >= '0' && *p <= '9') s.plain = false, ++p;
  if (*p == '.') {
    ++p;
    s.precision = 0;
    if (*p == '*') {
      s.star_precision = true, ++p;
    } else {
      while (*p >= '0' && *p <= '9') s.precision = s.precision * 10 + (*p++ - '0');
    }
  }
  while (is_length(*p)) s.length = (s.length == 'l' && *p == 'l') ? 'q' : (*p == 'h' ? 'h' : *p), ++p;
  s.conv = *p;
  s.end = *p ? p + 1 : p;
  return s;
}

// A value a fast path leaves to printf ("%.*f" or "%.*g").
void append_printf(std::string& out, const char* spec, int precision, double x) {
  char buffer[512];
  const int n = std::snprintf(buffer, sizeof buffer, spec, precision, x);
  if (n > 0) out.append(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buffer - 1));
}

// Anything the fast paths do not take: the spec alone through snprintf, its argument read by type.
void append_generic(std::string& out, const Spec& s, int width, int precision, va_list* args) {
  const std::string spec(s.begin, s.end);
  char buffer[512];
  int n = -1;
  auto put = [&](auto value) {
    if (s.star_width && s.star_precision) n = std::snprintf(buffer, sizeof buffer, spec.c_str(), width, precision, value);
    else if (s.star_width) n = std::snprintf(buffer, sizeof buffer, spec.c_str(), width, value);
    else if (s.star_precision) n = std::snprintf(buffer, sizeof buffer, spec.c_str(), precision, value);
    else n = std::snprintf(buffer, sizeof buffer, spec.c_str(), value);
  };
  switch (s.conv) {
    case 'd': case 'i': case 'u': case 'x': case 'X': case 'o': case 'c':
      if (s.length == 'q') put(va_arg(*args, long long));
      else if (s.length == 'l') put(va_arg(*args, long));
      else if (s.length == 'z') put(va_arg(*args, std::size_t));
      else if (s.length == 'j') put(va_arg(*args, std::intmax_t));
      else if (s.length == 't') put(va_arg(*args, std::ptrdiff_t));
      else put(va_arg(*args, int));
      break;
    case 'f': case 'F': case 'e': case 'E': case 'g': case 'G': case 'a': case 'A':
      if (s.length == 'L') put(va_arg(*args, long double));
      else put(va_arg(*args, double));
      break;
    case 's': put(va_arg(*args, const char*)); break;
    case 'p': put(va_arg(*args, void*)); break;
    default: return;  // unknown or 'n': nothing written (the format attribute rejects these at compile time)
  }
  if (n > 0) out.append(buffer, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buffer - 1));
}

}  // namespace

// Walks the format itself: literal text is copied, "%.Nf" (the formula texts' numbers), "%s", "%d" and
// "%lld" take fast paths, any other conversion goes through snprintf one spec at a time. Output is
// byte for byte vsnprintf's (tests/unit/base/test_text_format.cpp), cut at 1023 bytes as before.
std::string format(const char* f, ...) {
  std::string out;
  out.reserve(std::strlen(f) + 64);  // the formula texts are the format plus a few numbers
  va_list args;
  va_start(args, f);
  for (const char* p = f; *p;) {
    const char* pct = std::strchr(p, '%');
    if (pct == nullptr) {
      out.append(p);
      break;
    }
    out.append(p, static_cast<std::size_t>(pct - p));
    if (pct[1] == '%') {
      out += '%';
      p = pct + 2;
      continue;
    }
    const Spec s = parse_spec(pct);
    p = s.end;
    const int width = s.star_width ? va_arg(args, int) : 0;
    const int precision = s.star_precision ? va_arg(args, int) : s.precision;
    if (s.plain && s.conv == 'f' && s.length == 0) {
      const double x = va_arg(args, double);
      if (!append_fixed(out, x, precision < 0 ? 6 : precision)) append_printf(out, "%.*f", precision < 0 ? 6 : precision, x);
    } else if (s.plain && s.conv == 'g' && s.length == 0 && s.precision >= 0) {
      const double x = va_arg(args, double);
      if (!append_general(out, x, precision)) append_printf(out, "%.*g", precision, x);
    } else if (s.plain && s.conv == 's' && s.precision < 0 && s.length == 0) {
      const char* text = va_arg(args, const char*);
      out += text != nullptr ? text : "(null)";
    } else if (s.plain && (s.conv == 'd' || s.conv == 'i') && s.precision < 0 && (s.length == 0 || s.length == 'q')) {
      out += s.length == 'q' ? std::to_string(va_arg(args, long long)) : std::to_string(va_arg(args, int));
    } else {
      append_generic(out, s, width, precision, &args);
    }
  }
  va_end(args);
  if (out.size() > kMaxOutput) out.resize(kMaxOutput);
  return out;
}

// format("%.*f GiB") without parsing a format: the RL estimate writes about fifteen of these.
std::string gib(double bytes, int decimals) {
  std::string out;
  out.reserve(24);
  const double x = bytes / kBytesPerGiB;
  if (!append_fixed(out, x, decimals)) return format("%.*f GiB", decimals, x);
  return out.append(" GiB");
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& line : lines) {
    if (!out.empty()) out += '\n';
    out += line;
  }
  return out;
}

}  // namespace vramplan::text
