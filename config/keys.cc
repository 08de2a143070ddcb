#include "config/keys.h"

namespace rapport::config {

const char* type_name(Type t) {
  switch (t) {
    case Type::kString:
      return "a string";
    case Type::kInteger:
      return "an integer";
    case Type::kBool:
      return "true or false";
    case Type::kTable:
      return "a table, like { name = \"your-name\" }";
    case Type::kStringArray:
      return "a list of strings, like [\"example.org\"]";
  }
  return "a value";
}

const char* node_type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number with a fraction";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

bool has_type(const toml::node& n, Type t) {
  switch (t) {
    case Type::kString:
      return n.is_string();
    case Type::kInteger:
      return n.is_integer();
    case Type::kBool:
      return n.is_boolean();
    case Type::kTable:
      return n.is_table();
    case Type::kStringArray:
      return n.is_array() && n.as_array()->is_homogeneous(toml::node_type::string);
  }
  return false;
}

// "daily", "weekdays", "mon-fri", "sat,sun", "mon,wed-fri" into a Sunday-first set.

}  // namespace rapport::config
