// The job-scope lock server's state machine (see job_server.hpp for the protocol).
#include "gil/job_server.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace gilbench::gil::job {

Server::Server(const Params& p, int nranks, int threads_per_rank)
    : policy_(p.policy),
      interval_(in_force_switch_interval(p.switch_interval)),
      nranks_(nranks),
      threads_per_rank_(threads_per_rank),
      ticker_(check_period(p)) {
  if (policy_ == Policy::none) throw std::invalid_argument("gil: the job-scope server needs a lock policy");
  if (nranks < 1 || threads_per_rank < 1) throw std::invalid_argument("gil: job-scope server needs ranks and threads");
}

namespace {

template <class T>
constexpr bool kWireable = std::is_trivially_copyable_v<T> && sizeof(T) <= sizeof(Wire::payload) &&
                           alignof(T) <= alignof(Wire);

template <std::size_t I = 0>
Message decode_as(std::uint64_t kind, const unsigned char* payload) {
  if constexpr (I == std::variant_size_v<Message>) {
    throw std::logic_error("gil job lock: unknown message kind " + std::to_string(kind));
  } else {
    if (kind != I) return decode_as<I + 1>(kind, payload);
    std::variant_alternative_t<I, Message> alt;
    std::memcpy(&alt, payload, sizeof(alt));
    return alt;
  }
}

}  // namespace

Wire encode(const Message& m) noexcept {
  Wire w;
  w.kind = m.index();
  std::visit(
      [&w](const auto& alt) {
        static_assert(kWireable<std::decay_t<decltype(alt)>>, "a message must fit the wire form");
        std::memcpy(w.payload, &alt, sizeof(alt));
      },
      m);
  return w;
}

Message decode(const Wire& w) { return decode_as(w.kind, w.payload); }

const char* kind_name(const Message& m) noexcept {
  static constexpr const char* kNames[] = {"request", "release", "stop", "grant", "drop", "contended", "wake", "final"};
  static_assert(std::size(kNames) == std::variant_size_v<Message>);
  return kNames[m.index()];
}

void Server::check_gid(Gid gid) const {
  if (gid < 0 || gid >= static_cast<Gid>(nranks_) * threads_per_rank_) {
    throw std::logic_error("gil job server: bad thread id " + std::to_string(gid));
  }
}

void Server::grant(Gid gid, std::int64_t wait_timeouts, std::int64_t drop_requests, std::vector<Outgoing>& out) {
  if (locked_) throw std::logic_error("gil job server: grant while held");  // never two holders
  locked_ = true;
  holder_ = gid;
  ++tenure_;
  ++grants_;
  contended_told_ = false;
  Grant g{.gid = gid, .tenure = tenure_};
  if (last_holder_ != gid) {
    g.switched = last_holder_ >= 0;
    last_holder_ = gid;
    ++switch_number_;
  }
  if (policy_ == Policy::gil) {
    g.wait_timeouts = wait_timeouts;
    g.drop_requests = drop_requests;
  } else {
    g.ticker = ticker_;
    g.contended = contended_told_ = !parked_.empty();
  }
  out.push_back(Outgoing{rank_of(gid), true, tid_of(gid), g});
}

void Server::request(Gid gid, Clock::time_point now, std::vector<Outgoing>& out) {
  if (gid == holder_ && locked_) throw std::logic_error("gil job server: request by the holder");
  if (!locked_) {
    grant(gid, 0, 0, out);
    return;
  }
  if (policy_ == Policy::gil) {
    for (const Waiter& w : waiters_) {
      if (w.gid == gid) throw std::logic_error("gil job server: thread already waiting");
    }
    waiters_.push_back(Waiter{gid, now + interval_, switch_number_});
    return;
  }
  // legacy: the semaphore is taken, the thread parks
  if (std::find(parked_.begin(), parked_.end(), gid) != parked_.end()) {
    throw std::logic_error("gil job server: thread already parked");
  }
  parked_.push_back(gid);
  if (!contended_told_) {
    contended_told_ = true;
    out.push_back(Outgoing{rank_of(holder_), false, 0, Contended{holder_, tenure_}});
  }
}

void Server::on(int source, const Request& m, Clock::time_point now, std::vector<Outgoing>& out) {
  check_gid(m.gid);
  if (rank_of(m.gid) != source) throw std::logic_error("gil job server: request for another rank's thread");
  request(m.gid, now, out);
}

void Server::on(int /*source*/, const Release& m, Clock::time_point now, std::vector<Outgoing>& out) {
  check_gid(m.gid);
  if (!locked_ || holder_ != m.gid || tenure_ != m.tenure) {
    throw std::logic_error("gil job server: release by thread " + std::to_string(m.gid) + " (tenure " +
                           std::to_string(m.tenure) + ") which does not hold the lock");
  }
  locked_ = false;
  holder_ = -1;
  if (policy_ == Policy::gil) {
    if (!waiters_.empty()) {
      const Waiter w = waiters_.front();
      waiters_.pop_front();
      grant(w.gid, w.timeouts, w.drop_requests, out);
    }
  } else {
    ticker_ = m.ticker;
    if (!parked_.empty()) {
      const Gid w = parked_.front();
      parked_.pop_front();
      out.push_back(Outgoing{rank_of(w), false, 0, Wake{w}});
    }
  }
  if (m.retake) request(m.gid, now, out);
}

void Server::on(int /*source*/, const Stop& /*m*/, Clock::time_point /*now*/, std::vector<Outgoing>& out) {
  if (++stopped_ < nranks_) return;
  if (busy()) throw std::logic_error("gil job server: stopped while the lock is held or awaited");
  for (int r = 0; r < nranks_; ++r) out.push_back(Outgoing{r, false, 0, Final{}});
}

void Server::on_message(int source, const Message& m, Clock::time_point now, std::vector<Outgoing>& out) {
  std::visit(Overloaded{[&](const Request& r) { on(source, r, now, out); },
                        [&](const Release& r) { on(source, r, now, out); },
                        [&](const Stop& r) { on(source, r, now, out); },
                        [&](const auto&) {
                          throw std::logic_error(std::string("gil job server: unexpected message ") + kind_name(m));
                        }},
             m);
}

void Server::on_time(Clock::time_point now, std::vector<Outgoing>& out) {
  if (policy_ != Policy::gil) return;
  for (Waiter& w : waiters_) {
    if (now < w.deadline) continue;
    ++w.timeouts;
    // Timed out and no switch occurred in the meantime: ask the holder to drop it.
    if (locked_ && switch_number_ == w.saved_switch_number) {
      ++w.drop_requests;
      out.push_back(Outgoing{rank_of(holder_), false, 0, Drop{holder_, tenure_}});
    }
    w.saved_switch_number = switch_number_;
    w.deadline = now + interval_;  // the timer restarts
  }
}

std::optional<Clock::time_point> Server::next_deadline() const {
  std::optional<Clock::time_point> d;
  for (const Waiter& w : waiters_) {
    if (!d || w.deadline < *d) d = w.deadline;
  }
  return d;
}

}  // namespace gilbench::gil::job
