#include "app/agreement.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "app/exit_codes.hpp"
#include "machine/provenance.hpp"

namespace gilbench {
namespace {

// --- Config's member count, so that a new member cannot be silently left out of settings_of().
// An aggregate T with N members can be brace-initialised from N values but not from N + 1.
struct AnyMember {
  template <class T>
  operator T() const;  // NOLINT: declared only, for unevaluated brace-initialisation
};
template <class T, class... A>
constexpr std::size_t member_count() {
  if constexpr (requires { T{A{}..., AnyMember{}}; }) return member_count<T, A..., AnyMember>();
  else return sizeof...(A);
}
static_assert(std::is_aggregate_v<Config>);
/// settings_of() covers 25 members (count and count_auto_s are both --count, tick_iterations and
/// tick_iterations_given both --tick-iterations); 6 are not compared:
/// quiet (only rank 0 prints), command_line (MPMD ranks differ in it by design), whether
/// --switch-interval/--check-interval were given (their values are compared), iteration_ns
/// (measured by rank 0 after the agreement and broadcast) and probe_python_iterations (derived
/// after the agreement, from --probe-work and a broadcast rate).
constexpr std::size_t kMembersCompared = 25, kMembersNotCompared = 6;
static_assert(member_count<Config>() == kMembersCompared + kMembersNotCompared,
              "Config gained or lost a member: list it in settings_of() (or as not compared) and update the counts");

/// Exact text of a duration: the largest unit that divides it ("5ms", "1500us", "7ns").
std::string exact_duration(std::chrono::nanoseconds d) {
  const long long ns = d.count();
  if (ns != 0 && ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns != 0 && ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  if (ns != 0 && ns % 1'000 == 0) return std::to_string(ns / 1'000) + "us";
  return std::to_string(ns) + "ns";
}

std::string exact_seconds(double s) {
  return exact_duration(std::chrono::nanoseconds(static_cast<long long>(std::llround(s * 1e9))));
}

template <class T, class Show>
std::string join(const std::vector<T>& items, Show show) {
  std::string s;
  for (const T& v : items) s += (s.empty() ? "" : ",") + std::string(show(v));
  return s;
}

std::string text_of(Scaling s) { return s == Scaling::weak ? "weak" : "strong"; }
std::string text_of(LockScope s) { return s == LockScope::job ? "job" : "rank"; }
std::string text_of(OutputFormat f) {
  switch (f) {
    case OutputFormat::table: return "table";
    case OutputFormat::csv: return "csv";
    case OutputFormat::json: return "json";
  }
  return "?";
}

/// A value as a message shows it: long lists cut.
std::string shown(const std::string& v) {
  constexpr std::size_t kMax = 60;
  return v.size() <= kMax ? v : v.substr(0, kMax - 3) + "...";
}

/// "rank 0 has 1, ranks 1-3 have 2": every distinct value with the ranks holding it, in rank order.
std::string holders(const std::vector<std::string>& per_rank) {
  std::vector<std::pair<std::string, std::vector<int>>> groups;
  for (int r = 0; r < static_cast<int>(per_rank.size()); ++r) {
    auto it = groups.begin();
    while (it != groups.end() && it->first != per_rank[static_cast<std::size_t>(r)]) ++it;
    if (it == groups.end()) groups.push_back({per_rank[static_cast<std::size_t>(r)], {r}});
    else it->second.push_back(r);
  }
  constexpr std::size_t kShown = 4;
  std::string s;
  for (std::size_t g = 0; g < groups.size() && g < kShown; ++g)
    s += (g ? ", " : "") + ranks_text(groups[g].second) + (groups[g].second.size() == 1 ? " has " : " have ") +
         shown(groups[g].first);
  if (groups.size() > kShown) s += ", and " + std::to_string(groups.size() - kShown) + " more values";
  return s;
}

std::vector<std::string> split_nul(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find('\0', start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}

/// Every rank's encoded parse, at rank 0 (empty elsewhere).
std::vector<std::string> gather_strings(MPI_Comm comm, int rank, int size, const std::string& mine) {
  int len = static_cast<int>(mine.size());
  std::vector<int> lens(rank == 0 ? static_cast<std::size_t>(size) : 0), displs(lens.size());
  MPI_Gather(&len, 1, MPI_INT, lens.data(), 1, MPI_INT, 0, comm);
  int total = 0;
  for (std::size_t i = 0; i < lens.size(); ++i) displs[i] = total, total += lens[i];
  std::vector<char> all(static_cast<std::size_t>(total));
  MPI_Gatherv(mine.data(), len, MPI_CHAR, all.data(), lens.data(), displs.data(), MPI_CHAR, 0, comm);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lens.size(); ++i)
    out.emplace_back(all.data() + displs[i], static_cast<std::size_t>(lens[i]));
  return out;
}

}  // namespace

std::vector<Setting> settings_of(const Config& c) {
  const auto num = [](auto v) { return std::to_string(v); };
  return {
      {"--count", c.count_auto_s > 0 ? "auto:" + exact_seconds(c.count_auto_s) : std::to_string(c.count)},
      {"--scaling", text_of(c.scaling)},
      {"--kernel", join(c.kernels, [](Kernel k) { return k == Kernel::python ? "python" : "native"; })},
      {"--python", c.python},
      {"--threads", join(c.threads, num)},
      {"--repeat", num(c.repeat)},
      {"--warmup", num(c.warmup)},
      {"--lock", join(c.locks, [](gil::Policy p) { return gil::to_string(p); })},
      {"--switch-interval", join(c.switch_intervals, exact_duration)},
      {"--check-interval", join(c.check_intervals, num)},
      {"--tick-iterations", c.tick_iterations_given ? num(c.tick_iterations) : "measured"},
      {"--lock-scope", text_of(c.lock_scope)},
      {"--job-lock", std::string(gil::to_string(c.job_lock))},
      {"--bind", binding::to_string(c.bind)},
      {"--trace", c.trace ? "on" : "off"},
      {"--trace-window", exact_seconds(c.trace_window_s)},
      {"--trace-events", num(c.trace_max_events)},
      {"--probe", c.probe_period.count() > 0 ? "latency:" + exact_duration(c.probe_period) : "off"},
      {"--probe-work", exact_duration(c.probe_work)},
      {"--interpreters", num(c.interpreters)},
      {"--output", c.output},
      {"--format", text_of(c.format)},
      {"--stop-grace", exact_duration(c.stop_grace)},
  };
}

std::string ranks_text(const std::vector<int>& ranks) {
  std::string s;
  for (std::size_t i = 0; i < ranks.size();) {
    std::size_t j = i;
    while (j + 1 < ranks.size() && ranks[j + 1] == ranks[j] + 1) ++j;
    s += (s.empty() ? "" : ",") + std::to_string(ranks[i]);
    if (j > i) s += (j == i + 1 ? "," : "-") + std::to_string(ranks[j]);
    i = j + 1;
  }
  return (ranks.size() == 1 ? "rank " : "ranks ") + s;
}

RankParse rank_parse_of(const ParseResult& parsed, const std::string& build) {
  RankParse p;
  p.build = build;
  if (parsed.action == ParseResult::Action::run) {
    for (const Setting& s : settings_of(parsed.config)) p.values.push_back(s.value);
    return p;
  }
  if (parsed.code == ExitCode::ok) {
    p.kind = RankParse::Kind::answer;
    return p;
  }
  p.kind = RankParse::Kind::error;
  p.error = parsed.output;
  while (!p.error.empty() && p.error.back() == '\n') p.error.pop_back();
  if (p.error.rfind("gilbench: ", 0) == 0) p.error.erase(0, std::strlen("gilbench: "));
  return p;
}

std::string encode(const RankParse& p) {
  std::string s(1, static_cast<char>(p.kind));
  s += '\0' + p.build;
  if (p.kind == RankParse::Kind::error) s += '\0' + p.error;
  for (const std::string& v : p.values) s += '\0' + v;
  return s;
}

RankParse decode(const std::string& text) {
  RankParse p;
  std::vector<std::string> f = split_nul(text);
  if (f.size() < 2 || f[0].size() != 1) {  // not from this encoder: a foreign binary
    p.kind = RankParse::Kind::error;
    p.build = "an unknown build";
    p.error = "unreadable start-up message";
    return p;
  }
  p.kind = static_cast<RankParse::Kind>(f[0][0]);
  p.build = f[1];
  std::size_t next = 2;
  if (p.kind == RankParse::Kind::error && next < f.size()) p.error = f[next++];
  if (p.kind == RankParse::Kind::run) p.values.assign(f.begin() + static_cast<std::ptrdiff_t>(next), f.end());
  return p;
}

Verdict judge(const std::vector<RankParse>& ranks) {
  Verdict v;
  if (ranks.empty()) return v;
  const auto fail = [&v](const std::string& message) {
    v.next = Verdict::Next::fail;
    v.message = "gilbench: " + message + "\n";
    return v;
  };
  const int n = static_cast<int>(ranks.size());
  const auto column = [&ranks](auto field) {
    std::vector<std::string> c;
    for (const RankParse& p : ranks) c.push_back(field(p));
    return c;
  };
  // Different binaries (MPMD): their settings cannot even be compared.
  for (const RankParse& p : ranks)
    if (p.build != ranks[0].build)
      return fail("ranks run different builds: " + holders(column([](const RankParse& q) { return q.build; })) +
                  " (launch the same gilbench on every rank)");
  // A bad argument: the lowest failing rank's message, with every rank that failed the same way.
  for (int r = 0; r < n; ++r) {
    if (ranks[static_cast<std::size_t>(r)].kind != RankParse::Kind::error) continue;
    const std::string& message = ranks[static_cast<std::size_t>(r)].error;
    std::vector<int> same;
    for (int q = r; q < n; ++q)
      if (ranks[static_cast<std::size_t>(q)].kind == RankParse::Kind::error &&
          ranks[static_cast<std::size_t>(q)].error == message)
        same.push_back(q);
    return fail(static_cast<int>(same.size()) == n ? message : ranks_text(same) + ": " + message);
  }
  if (ranks[0].kind == RankParse::Kind::answer) {
    v.next = Verdict::Next::answer;
    return v;
  }
  std::vector<int> answering;
  for (int r = 1; r < n; ++r)
    if (ranks[static_cast<std::size_t>(r)].kind == RankParse::Kind::answer) answering.push_back(r);
  if (!answering.empty())
    return fail(ranks_text(answering) + " asked for --help, --version or --schema, rank 0 for a run (give every " +
                "rank the same options)");
  // Every rank runs: the first setting they differ on, naming the others too.
  const std::vector<Setting> names = settings_of(Config{});
  std::size_t first = names.size();
  std::string others;
  for (std::size_t i = 0; i < names.size(); ++i) {
    bool differ = false;
    for (const RankParse& p : ranks)
      differ = differ || p.values.size() != names.size() || p.values[i] != ranks[0].values[i];
    if (!differ) continue;
    if (first == names.size()) first = i;
    else others += (others.empty() ? "" : ", ") + std::string(names[i].flag);
  }
  if (first == names.size()) return v;
  const std::string flag = names[first].flag;
  const std::string hint = flag == "--threads" ? "set OMP_NUM_THREADS or --threads alike on every rank"
                                               : "give every rank the same options";
  const auto value = [first](const RankParse& q) { return first < q.values.size() ? q.values[first] : "?"; };
  return fail("ranks disagree on " + flag + ": " + holders(column(value)) +
              (others.empty() ? "" : "; also on " + others) + " (" + hint + ")");
}

int agree_on_command_line(MPI_Comm comm, const ParseResult& parsed, int (*answer)(const ParseResult&)) {
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  const std::vector<std::string> all = gather_strings(comm, rank, size,
                                                      encode(rank_parse_of(parsed, provenance::build_description())));
  int code = -1;
  if (rank == 0) {
    std::vector<RankParse> ranks;
    for (const std::string& s : all) ranks.push_back(decode(s));
    const Verdict v = judge(ranks);
    if (v.next == Verdict::Next::answer) {
      code = answer(parsed);
    } else if (v.next == Verdict::Next::fail) {
      std::fputs(v.message.c_str(), stderr);
      code = static_cast<int>(ExitCode::usage);
    }
    std::fflush(nullptr);
  }
  MPI_Bcast(&code, 1, MPI_INT, 0, comm);
  return code;
}

}  // namespace gilbench
