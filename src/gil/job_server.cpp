// The job-scope lock server's state machine (see job_server.hpp for the protocol).
#include "gil/job_server.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace gilbench::gil::job {

Server::Server(const Params& p, int nranks, int threads_per_rank)
    : policy_(p.policy),
      interval_(p.switch_interval),
      nranks_(nranks),
      threads_per_rank_(threads_per_rank),
      ticker_(p.check_interval * p.tick_iterations) {
  if (policy_ == Policy::none) throw std::invalid_argument("gil: the job-scope server needs a lock policy");
  if (nranks < 1 || threads_per_rank < 1) throw std::invalid_argument("gil: job-scope server needs ranks and threads");
}

void Server::check_gid(std::int64_t gid) const {
  if (gid < 0 || gid >= static_cast<std::int64_t>(nranks_) * threads_per_rank_) {
    throw std::logic_error("gil job server: bad thread id " + std::to_string(gid));
  }
}

void Server::grant(std::int64_t gid, std::int64_t x, std::int64_t y, std::vector<Outgoing>& out) {
  if (locked_) throw std::logic_error("gil job server: grant while held");  // never two holders
  locked_ = true;
  holder_ = gid;
  ++tenure_;
  ++grants_;
  contended_told_ = false;
  std::int64_t flags = 0;
  if (last_holder_ != gid) {
    if (last_holder_ >= 0) flags |= kSwitch;
    last_holder_ = gid;
    ++switch_number_;
  }
  if (policy_ == Policy::legacy_gil) {
    x = ticker_;
    if (!parked_.empty()) {
      flags |= kContendedFlag;
      contended_told_ = true;
    }
  }
  out.push_back(Outgoing{rank_of(gid), true, tid_of(gid), Msg{kGrant, gid, tenure_, flags, x, y}});
}

void Server::request(std::int64_t gid, Clock::time_point now, std::vector<Outgoing>& out) {
  if (gid == holder_ && locked_) throw std::logic_error("gil job server: request by the holder");
  if (policy_ == Policy::gil) {
    if (!locked_) {
      grant(gid, 0, 0, out);
      return;
    }
    for (const Waiter& w : waiters_) {
      if (w.gid == gid) throw std::logic_error("gil job server: thread already waiting");
    }
    waiters_.push_back(Waiter{gid, now + interval_, switch_number_});
    return;
  }
  // legacy: the semaphore
  if (!locked_) {
    grant(gid, 0, 0, out);
    return;
  }
  if (std::find(parked_.begin(), parked_.end(), gid) != parked_.end()) {
    throw std::logic_error("gil job server: thread already parked");
  }
  parked_.push_back(gid);
  if (!contended_told_) {
    contended_told_ = true;
    out.push_back(Outgoing{rank_of(holder_), false, 0, Msg{kContended, holder_, tenure_, 0, 0, 0}});
  }
}

void Server::on_message(int source, const Msg& m, Clock::time_point now, std::vector<Outgoing>& out) {
  switch (m.type) {
    case kRequest:
      check_gid(m.gid);
      if (rank_of(m.gid) != source) throw std::logic_error("gil job server: request for another rank's thread");
      request(m.gid, now, out);
      return;
    case kRelease: {
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
        ticker_ = m.x;
        if (!parked_.empty()) {
          const std::int64_t w = parked_.front();
          parked_.pop_front();
          out.push_back(Outgoing{rank_of(w), false, 0, Msg{kWake, w, 0, 0, 0, 0}});
        }
      }
      if (m.flags != 0) request(m.gid, now, out);  // retake
      return;
    }
    case kStop:
      if (++stopped_ == nranks_) {
        if (busy()) throw std::logic_error("gil job server: stopped while the lock is held or awaited");
        for (int r = 0; r < nranks_; ++r) out.push_back(Outgoing{r, false, 0, Msg{kFinal, -1, 0, 0, 0, 0}});
      }
      return;
    default:
      throw std::logic_error("gil job server: unexpected message type " + std::to_string(m.type));
  }
}

void Server::on_time(Clock::time_point now, std::vector<Outgoing>& out) {
  if (policy_ != Policy::gil) return;
  for (Waiter& w : waiters_) {
    if (now < w.deadline) continue;
    ++w.timeouts;
    // Timed out and no switch occurred in the meantime: ask the holder to drop it.
    if (locked_ && switch_number_ == w.saved_switch_number) {
      ++w.drop_requests;
      out.push_back(Outgoing{rank_of(holder_), false, 0, Msg{kDrop, holder_, tenure_, 0, 0, 0}});
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
