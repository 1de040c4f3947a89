// The MPI sweep driver. Rank 0 runs a coordinator thread that hands out run indices and
// collects outcomes, and trains runs itself on its main thread; every other rank asks for a
// run, trains it, reports its outcome and asks again. Workers send a heartbeat every 0.5 s
// from a second thread (MPI_THREAD_MULTIPLE); a rank silent for --lost-after seconds is lost:
// its run goes back to the queue and is retried by another rank (resuming from the run's last
// checkpoint). Open MPI 4.1 has no ULFM, so this only helps under `mpirun --enable-recovery`
// (otherwise mpirun aborts the whole job when a rank dies, and re-running the same command
// resumes the sweep). After a loss MPI_Finalize would wait for the dead rank, so the survivors
// then exit without it (mpirun --enable-recovery still reports success).
#include <mpi.h>

#include <atomic>
#include <chrono>
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "commands.h"
#include "core/errors.h"
#include "sweep_driver.h"

namespace tp::cli {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

enum Tag : int { kRequest = 1, kAssign = 2, kHeartbeat = 3, kBye = 4, kKeepAlive = 5 };
constexpr int kStop = -1, kStopAfterLoss = -2;

void sendText(const std::string& text, int dest, int tag)
{
    MPI_Send(text.data(), int(text.size()), MPI_CHAR, dest, tag, MPI_COMM_WORLD);
}

/// Receive any message without spinning a core in MPI's progress loop: probe, then sleep.
/// Returns false when `timeout_s` passes with no message from `source`.
bool receive(int source, int& tag, int& from, std::string& text, double timeout_s)
{
    const auto start = Clock::now();
    for (;;) {
        int flag = 0;
        MPI_Status st;
        MPI_Iprobe(source, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
        if (flag) {
            int n = 0;
            MPI_Get_count(&st, MPI_CHAR, &n);
            text.assign(std::size_t(n), '\0');
            MPI_Recv(text.data(), n, MPI_CHAR, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            tag = st.MPI_TAG;
            from = st.MPI_SOURCE;
            return true;
        }
        if (std::chrono::duration<double>(Clock::now() - start).count() > timeout_s)
            return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

/// Rank 0's bookkeeping, shared by the coordinator thread and the local (rank 0) trainer.
class Coordinator {
public:
    Coordinator(SweepJob& job, int ranks) : m_job(job), m_ranks(ranks), m_outcomes(job.spec.runs.size())
    {
        RunExecutor probe(job);
        for (std::size_t i = 0; i < job.spec.runs.size(); ++i) {
            if (auto done = probe.completed(int(i))) {
                m_outcomes[i] = done;
                say(runLine(job.spec.runs[i], *done, true));
            } else
                m_pending.push_back(int(i));
        }
        m_attempts.assign(job.spec.runs.size(), 0);
        for (int r = 1; r < ranks; ++r)
            m_heard[r] = Clock::now();
    }

    /// Coordinator thread: serve requests and heartbeats until every live rank said bye.
    void serve()
    {
        auto lastKeepAlive = Clock::now();
        while (true) {
            int tag = 0, from = 0;
            std::string text;
            if (receive(MPI_ANY_SOURCE, tag, from, text, 0.0))
                handle(tag, from, text);
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(2));
            std::unique_lock lock(m_mutex);
            detectLost();
            assignWaiting();
            if (Clock::now() - lastKeepAlive > std::chrono::seconds(1)) {
                for (int r : m_waiting)
                    MPI_Send(nullptr, 0, MPI_CHAR, r, kKeepAlive, MPI_COMM_WORLD);
                lastKeepAlive = Clock::now();
            }
            if (int(m_bye.size() + m_lost.size()) == m_ranks - 1 && m_localDone)
                return;
        }
    }

    /// Local trainer: the next run for rank 0, or -1 when the sweep is done.
    int nextLocal()
    {
        std::unique_lock lock(m_mutex);
        m_cv.wait(lock, [&] { return !m_pending.empty() || allDone(); });
        if (m_pending.empty()) {
            m_localDone = true;
            return -1;
        }
        const int run = m_pending.front();
        m_pending.pop_front();
        m_assigned[0] = run;
        return run;
    }
    int attempt(int run)
    {
        std::lock_guard lock(m_mutex);
        return ++m_attempts[std::size_t(run)];
    }
    void doneLocal(int run, const RunOutcome& outcome, bool skipped)
    {
        std::lock_guard lock(m_mutex);
        record(0, run, outcome, skipped);
    }

    bool lostAny() const { return !m_lost.empty(); }
    const std::vector<std::optional<RunOutcome>>& outcomes() const { return m_outcomes; }

private:
    static void say(const std::string& line)
    {
        std::printf("%s\n", line.c_str());
        std::fflush(stdout);
    }

    bool allDone() const { return m_pending.empty() && m_assigned.empty(); }

    void record(int rank, int run, const RunOutcome& outcome, bool skipped)
    {
        m_assigned.erase(rank);
        if (!m_outcomes[std::size_t(run)]) {  // a late report of a run already retried is ignored
            m_outcomes[std::size_t(run)] = outcome;
            say(runLine(m_job.spec.runs[std::size_t(run)], outcome, skipped, " [rank " + std::to_string(rank) + "]"));
        }
        m_cv.notify_all();
    }

    void handle(int tag, int from, const std::string& text)
    {
        std::lock_guard lock(m_mutex);
        m_heard[from] = Clock::now();
        if (m_lost.count(from)) {  // declared lost but alive after all: send it home
            if (tag == kRequest) {
                const int msg[2] = {kStopAfterLoss, 0};
                MPI_Send(msg, 2, MPI_INT, from, kAssign, MPI_COMM_WORLD);
            }
            return;
        }
        if (tag == kBye)
            m_bye.insert(from);
        if (tag != kRequest)
            return;
        const json msg = json::parse(text);
        const int run = msg.at("done").get<int>();
        if (run >= 0)
            record(from, run, outcomeFromJson(msg.at("outcome")), msg.value("skipped", false));
        m_waiting.insert(from);
    }

    void detectLost()
    {
        const auto now = Clock::now();
        for (auto& [rank, heard] : m_heard) {
            const double silent = std::chrono::duration<double>(now - heard).count();
            if (m_lost.count(rank) || m_bye.count(rank) || silent < m_job.lost_after_s)
                continue;
            m_lost.insert(rank);
            m_waiting.erase(rank);
            if (auto it = m_assigned.find(rank); it != m_assigned.end()) {
                char buf[64];
                std::snprintf(buf, sizeof buf, "%.1f", silent);
                say("run " + m_job.spec.runs[std::size_t(it->second)].name + " lost with rank " + std::to_string(rank) +
                    " (no heartbeat for " + buf + " s): retrying");
                m_pending.push_front(it->second);
                m_assigned.erase(it);
                m_cv.notify_all();
            } else
                say("rank " + std::to_string(rank) + " lost (no heartbeat while idle)");
        }
    }

    void assignWaiting()
    {
        for (auto it = m_waiting.begin(); it != m_waiting.end();) {
            int msg[2] = {kStop, 0};  // run, attempt
            int& run = msg[0];
            if (!m_pending.empty()) {
                run = m_pending.front();
                m_pending.pop_front();
                m_assigned[*it] = run;
                msg[1] = ++m_attempts[std::size_t(run)];
            } else if (!allDone()) {
                ++it;  // runs are still out: a lost one may come back to the queue
                continue;
            } else if (!m_lost.empty())
                run = kStopAfterLoss;
            MPI_Send(msg, 2, MPI_INT, *it, kAssign, MPI_COMM_WORLD);
            it = m_waiting.erase(it);
        }
        if (allDone())
            m_cv.notify_all();
    }

    SweepJob& m_job;
    int m_ranks;
    std::mutex m_mutex;
    std::condition_variable m_cv;
    std::deque<int> m_pending;
    std::map<int, int> m_assigned;  ///< rank -> run
    std::map<int, Clock::time_point> m_heard;
    std::set<int> m_waiting, m_lost, m_bye;
    std::vector<int> m_attempts;
    std::vector<std::optional<RunOutcome>> m_outcomes;
    bool m_localDone = false;
};

/// Exit without MPI_Finalize (which would wait for a dead rank) once a rank was lost.
[[noreturn]] void exitAfterLoss(int code)
{
    std::fflush(stdout);
    std::fflush(stderr);
    std::_Exit(code);
}

int coordinate(SweepJob& job, int ranks)
{
    std::printf("sweep %s: %zu runs into %s on %d MPI ranks\n", job.spec.file.c_str(), job.spec.runs.size(),
                job.out.c_str(), ranks);
    Coordinator coord(job, ranks);
    std::thread server([&] { coord.serve(); });
    RunExecutor executor(job);
    int code = kExitOk;
    try {
        for (int run; (run = coord.nextLocal()) >= 0;) {
            bool skipped = false;
            const RunOutcome o = executor.run(run, 0, coord.attempt(run), &skipped);
            coord.doneLocal(run, o, skipped);
        }
    } catch (const std::exception& e) {  // input errors: the whole sweep is wrong, stop every rank
        std::fprintf(stderr, "error: %s\n", e.what());
        MPI_Abort(MPI_COMM_WORLD, kExitBadInput);
    }
    server.join();
    code = finishSweep(job, coord.outcomes());
    if (coord.lostAny())
        exitAfterLoss(code);
    return code;
}

int work(SweepJob& job, int rank)
{
    std::atomic<bool> beating{true};
    std::thread heartbeat([&] {
        while (beating) {
            MPI_Send(nullptr, 0, MPI_CHAR, 0, kHeartbeat, MPI_COMM_WORLD);
            for (int i = 0; i < 50 && beating; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    });
    RunExecutor executor(job);
    json report{{"done", -1}};
    int command = kStop;
    for (;;) {
        sendText(report.dump(), 0, kRequest);
        int tag = 0, from = 0;
        std::string text;
        do {
            if (!receive(0, tag, from, text, job.lost_after_s)) {
                std::fprintf(stderr, "rank %d: no word from rank 0 for %.0f s; giving up (re-run the sweep to resume)\n",
                             rank, job.lost_after_s);
                exitAfterLoss(kExitRunFailure);
            }
        } while (tag != kAssign);
        int msg[2] = {kStop, 0};
        std::memcpy(msg, text.data(), std::min(text.size(), sizeof msg));
        command = msg[0];
        if (command < 0)
            break;
        bool skipped = false;
        const RunOutcome o = executor.run(command, rank, msg[1], &skipped);
        report = {{"done", command}, {"outcome", outcomeJson(o)}, {"skipped", skipped}};
    }
    beating = false;
    heartbeat.join();
    sendText("", 0, kBye);
    if (command == kStopAfterLoss)
        exitAfterLoss(kExitOk);
    return kExitOk;
}

} // namespace

int runSweepMpi(SweepJob& job)
{
    int provided = 0;
    MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    if (provided < MPI_THREAD_MULTIPLE) {
        if (rank == 0)
            std::fprintf(stderr, "error: this MPI library does not provide MPI_THREAD_MULTIPLE (heartbeats need it)\n");
        MPI_Finalize();
        return kExitBadInput;
    }
    int code = kExitOk;
    try {
        code = rank == 0 ? coordinate(job, ranks) : work(job, rank);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "rank %d: error: %s\n", rank, e.what());
        MPI_Abort(MPI_COMM_WORLD, dynamic_cast<const InputError*>(&e) ? kExitBadInput : kExitRunFailure);
    }
    MPI_Finalize();
    return code;
}

} // namespace tp::cli
