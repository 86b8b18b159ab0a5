// One row of the directive table (DirectiveSpec), and the value types rows are built from:
// those of Redis 7.0's config.c (bool; numeric in its integer, memory, percent and octal
// forms; enum, also as a set of flags; string) with their parsing rules and error texts, so
// that a row is a name, flags, a rule and where the value lives. Each component registers its
// rows in its own file of server/directives/ (directive_registry.h); directives whose value
// needs more (save, bind, client-output-buffer-limit, ...) are hand-written rows there. The
// table is the one place that knows a directive: the config file, the command line, CONFIG
// GET/SET/REWRITE and the start-up report all read the rows.
//
// A row either binds its value to a Config field (Binding) or, for a directive Redoubt does
// not act on yet, keeps the validated value as the text CONFIG GET shows in
// Config::no_effect_values and carries kNoEffectYet.
//
// Thread: the table is built once on first use and immutable after that; any thread may read
// it.
#pragma once

#include <absl/status/status.h>

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace redoubt::server {

struct Config;

// Redis's standardConfig flags (same meanings), and kNoEffectYet for Redoubt's state.
enum DirectiveFlag : uint32_t {
  kImmutable = 1u << 0,    // start-up only: CONFIG SET answers "can't set immutable config"
  kSensitive = 1u << 1,    // a secret: CONFIG SET's value is redacted in SLOWLOG and MONITOR
  kProtected = 1u << 2,    // CONFIG SET only as enable-protected-configs allows the caller
  kDenyLoading = 1u << 3,  // Redis refuses CONFIG SET while loading a dataset (never here)
  kHidden = 1u << 4,       // CONFIG GET with a pattern skips it; its exact name finds it
  kVolatile = 1u << 5,     // CONFIG SET of the same value applies it again (re-reads files)
  kMultiArg = 1u << 6,     // several words; a CONFIG SET value is split at every space
  kJoinWords = 1u << 7,    // Redoubt: several words on a config line are joined by spaces
  kNoEffectYet = 1u << 8,  // accepted, validated and shown, but Redoubt does not act on it yet
  kMemory = 1u << 9,       // MEMORY_CONFIG: takes "100mb"; rewritten in units (set by the type)
  // Redoubt: protected, but setting it to the value it has is allowed (it changes nothing),
  // so that tools which set every directive to its own value (Redis's "CONFIG sanity") work.
  kProtectedUnlessSame = 1u << 10,
};

// Where words come from. A file's (or the command line's) `save` lines add up, where CONFIG
// SET replaces the list (Redis's reading_config_file).
enum class SetSource : uint8_t { kFile, kConfigSet };

using DirectiveArgs = std::span<const std::string>;

// A line CONFIG REWRITE writes: the words after the directive's name, already quoted where
// needed, and whether it is written even when the file has no line for the directive (the
// value differs from the default; Redis's "force").
struct RewriteLine {
  std::string args;
  bool force;
};

struct DirectiveSpec {
  std::string_view name;
  std::string_view alias;  // Redis's second name ("slaveof" for "replicaof"), or empty
  uint32_t flags = 0;
  // Parses the words after the name into config, leaving it unchanged on error. The error
  // text is Redis's ("argument must be a memory value"); callers add the directive's name.
  // Gets exactly one word unless kMultiArg or kJoinWords (the callers check the count).
  std::function<absl::Status(Config&, DirectiveArgs, SetSource)> set;
  // CONFIG GET's value.
  std::function<std::string(const Config&)> get;
  // CONFIG REWRITE's lines for the current value; none when the directive is unset (an empty
  // string that means "none", replicaof no one), which removes its lines from the file.
  std::function<std::vector<RewriteLine>(const Config&)> rewrite;

  bool Has(uint32_t flag) const { return (flags & flag) != 0; }
  bool implemented() const { return !Has(kNoEffectYet); }
  // True when CONFIG REWRITE would not need to write the directive (Redis's !force).
  bool IsDefault(const Config& config) const;
};

// Every directive, in the order CONFIG REWRITE appends them: component by component, in the
// order config_catalog.cc lists the components.
const std::vector<DirectiveSpec>& Directives();
// The row named name or alias (any case); nullptr when none.
const DirectiveSpec* FindDirective(std::string_view name);

// ---- Building rows ----------------------------------------------------------------------

struct DirectiveName {
  std::string_view name;
  std::string_view alias;
  uint32_t flags = 0;
};

// Where a row's value lives: store() and load() of a Config field, converting to the rule's
// value type. Empty: the directive has no field; its value is kept as text in
// Config::no_effect_values and the row gets kNoEffectYet.
template <typename T>
struct Binding {
  std::function<void(Config&, const T&)> store;
  std::function<T(const Config&)> load;
};

template <typename T, typename F>
Binding<T> Field(F Config::*member) {
  return {[member](Config& c, const T& v) { c.*member = static_cast<F>(v); },
          [member](const Config& c) { return static_cast<T>(c.*member); }};
}

// Numbers. Bounds are Redis's long long bounds; for Redis's unsigned types (unsigned int,
// unsigned long long, size_t) they are compared as unsigned, as numericBoundaryCheck does
// (so "-1" is out of range rather than negative, and ULLONG_MAX is written as -1).
enum class NumberForm : uint8_t {
  kInteger,          // strict decimal (string2ll)
  kMemory,           // "100mb", "1g", bytes (memtoull); shown in bytes, rewritten as "100mb"
  kMemoryOrPercent,  // a memory value or "N%", kept as -N (maxmemory-clients)
  kOctal,            // strtoll base 8; shown and rewritten in octal (unixsocketperm)
};

struct NumericRule {
  int64_t min;
  int64_t max;
  int64_t def;
  NumberForm form = NumberForm::kInteger;
  bool unsigned_bounds = false;
  // Redis's is_valid_fn, or a limit of Redoubt's own (checked after Redis's bounds, so that a
  // value Redis refuses gets Redis's text).
  std::function<absl::Status(int64_t)> check;
  // What an accepted value becomes, where Redis's apply function adjusts it (hz kept within
  // 1..500, repl-backlog-size at least 16kb): CONFIG GET shows the adjusted value.
  std::function<int64_t(int64_t)> normalize;
};

struct EnumValue {
  std::string_view name;
  int value;
  // Accepted but not named in the error's list (a later Redis's value Redoubt takes too).
  bool unlisted = false;
};

struct EnumRule {
  std::vector<EnumValue> values;
  int def;
  bool bitflags = false;  // several names OR'd together (kMultiArg rows)
  std::function<absl::Status(int)> check;
};

// Redis's string and sds configs. empty_is_null: EMPTY_STRING_IS_NULL, "" unsets it and the
// default is unset (REWRITE then writes no line); otherwise "" is a value and def the default.
struct StringRule {
  std::string_view def;
  bool empty_is_null = false;
  std::function<absl::Status(const std::string&)> check;
};

// A row with names and flags only, for hand-written set/get/rewrite.
DirectiveSpec NewDirective(const DirectiveName& name);
DirectiveSpec BoolDirective(DirectiveName name, bool def, Binding<bool> binding = {},
                            std::function<absl::Status(bool)> check = {});
DirectiveSpec NumericDirective(DirectiveName name, NumericRule rule, Binding<int64_t> binding = {});
DirectiveSpec EnumDirective(DirectiveName name, EnumRule rule, Binding<int> binding = {});
DirectiveSpec StringDirective(DirectiveName name, StringRule rule,
                              Binding<std::string> binding = {});

// Value helpers shared with the hand-written rows.
absl::Status WrongNumberOfArguments();
// Redis's memtoull: digits then an optional unit (b, k, kb, m, mb, g, gb; any case). An empty
// digit string is 0, too many digits saturate and the unit multiplies modulo 2^64, as Redis
// accepts them; a sign, a space or another unit is refused.
bool MemToULL(std::string_view s, uint64_t* out);
// Redis's rewriteConfigFormatMemory: the largest unit that divides the value ("10mb", "3kb").
std::string FormatMemoryUnits(uint64_t bytes);
// The text Config::no_effect_values holds for name, or nullptr (then: the default).
const std::string* StoredText(const Config& config, std::string_view name);
void StoreText(Config& config, std::string_view name, std::string text);

}  // namespace redoubt::server
