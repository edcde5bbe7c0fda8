#include "server/prometheus_format.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

namespace vit::server {
namespace {

// The decimal exponent of the shortest round-trip digits of a finite, nonzero
// `value` (-4 for 0.0005), read from std::to_chars' scientific form.
int DecimalExponent(double value) {
  char buffer[32];
  const auto result =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
  *result.ptr = '\0';
  const char* e = buffer;
  while (*e != 'e') ++e;
  return std::atoi(e + 1);
}

}  // namespace

std::string FormatPrometheusValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Without a precision, std::to_chars writes the shortest digits that round-trip.
  std::chars_format format = std::chars_format::fixed;
  if (value != 0.0) {
    const int exponent = DecimalExponent(value);
    if (exponent < -4 || exponent >= 17) format = std::chars_format::scientific;
  }
  char buffer[64];  // either notation needs at most 24 characters here
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, format);
  return std::string(buffer, result.ptr);
}

}  // namespace vit::server
