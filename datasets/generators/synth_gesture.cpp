#include "synth_gesture.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <numbers>
#include <system_error>
#include <utility>

#include "core/rng.h"
#include "io/atomic_file.h"

namespace tp {

namespace fs = std::filesystem;

namespace {

constexpr int kSize = 128;  ///< sensor width and height
constexpr int kPixels = kSize * kSize;
constexpr double kEdge = 1.5;  ///< width of the anti-aliased edge ramp, px
constexpr std::array<std::string_view, 4> kLighting = {"fluorescent", "led", "lab", "natural"};
constexpr double kTwoPi = 2.0 * std::numbers::pi;

/// One bright shape of a frame: a disc (inner < 0), an annulus (inner >= 0: |d - radius| <=
/// inner) or an axis-aligned square (square true, radius = half side).
struct Shape {
    double cx = 0, cy = 0, radius = 0, inner = -1;
    bool square = false;
    float level = 1.0f;
};

/// Brightness of `s` at pixel centre (x, y), in [0, level].
float brightness(const Shape& s, double x, double y)
{
    const double dx = x - s.cx, dy = y - s.cy;
    double inside;  // signed distance to the edge, positive inside
    if (s.square)
        inside = s.radius - std::max(std::abs(dx), std::abs(dy));
    else if (s.inner < 0)
        inside = s.radius - std::sqrt(dx * dx + dy * dy);
    else
        inside = s.inner - std::abs(std::sqrt(dx * dx + dy * dy) - s.radius);
    const double b = std::clamp(inside / kEdge + 0.5, 0.0, 1.0);
    return float(b) * s.level;
}

/// Reach of a shape from its centre (where brightness is 0 beyond).
double reach(const Shape& s)
{
    return (s.inner < 0 ? s.radius : s.radius + s.inner) + kEdge;
}

/// Per-user variation.
struct UserStyle {
    double speed, size, ox, oy, rate;
    std::int64_t t0;
};

/// Per-trial scene description: enough to render the frame of any phase s in [0, 1].
struct Scene {
    int cls = 0;
    double speed = 1, size = 1, cx = 64, cy = 64;
    double angle = 0;           // start angle (circles) or axis angle (converging)
    double trial_s = 1;         // trial duration in seconds (flicker timing)
    struct Patch {
        double x, y, half, period_s, phase;
    };
    std::vector<Patch> patches;  // flicker
};

Scene makeScene(int cls, const UserStyle& user, double trial_s, Rng& rng)
{
    Scene sc;
    sc.cls = cls;
    sc.trial_s = trial_s;
    sc.speed = user.speed * rng.uniform(0.9, 1.1);
    sc.size = user.size * rng.uniform(0.9, 1.1);
    sc.cx = kSize / 2.0 + user.ox + rng.uniform(-6.0, 6.0);
    sc.cy = kSize / 2.0 + user.oy + rng.uniform(-6.0, 6.0);
    sc.angle = cls == 9 ? rng.uniform(-std::numbers::pi / 6, std::numbers::pi / 6) : rng.uniform(0.0, kTwoPi);
    if (cls == 10) {
        const int n = 5 + int(rng.below(4));
        for (int i = 0; i < n; ++i) {
            Scene::Patch p;
            p.x = rng.uniform(12.0, kSize - 12.0);
            p.y = rng.uniform(12.0, kSize - 12.0);
            p.half = rng.uniform(2.5, 6.0) * sc.size;
            p.period_s = rng.uniform(0.08, 0.25);
            p.phase = rng.uniform();
            sc.patches.push_back(p);
        }
    }
    return sc;
}

Shape disc(double x, double y, double r)
{
    return Shape{x, y, r, -1, false, 1.0f};
}

/// Shapes of the scene at phase s.
void sceneShapes(const Scene& sc, double s, std::vector<Shape>& out)
{
    out.clear();
    const double blob = 9.0 * sc.size;
    const double travel = 60.0 * sc.speed;
    switch (sc.cls) {
    case 0:  // right
        out.push_back(disc(sc.cx + travel * (s - 0.5), sc.cy, blob));
        break;
    case 1:  // left
        out.push_back(disc(sc.cx - travel * (s - 0.5), sc.cy, blob));
        break;
    case 2:  // up (y decreasing)
        out.push_back(disc(sc.cx, sc.cy - travel * (s - 0.5), blob));
        break;
    case 3:  // down
        out.push_back(disc(sc.cx, sc.cy + travel * (s - 0.5), blob));
        break;
    case 4:    // clockwise on screen (y down: increasing angle)
    case 5: {  // counter-clockwise
        const double orbit = 28.0 * sc.size;
        const double a = sc.angle + (sc.cls == 4 ? 1.0 : -1.0) * kTwoPi * sc.speed * s;
        out.push_back(disc(sc.cx + orbit * std::cos(a), sc.cy + orbit * std::sin(a), 7.0 * sc.size));
        break;
    }
    case 6:    // expanding ring
    case 7: {  // contracting ring
        const double grow = 40.0 * sc.speed * (sc.cls == 6 ? s : 1.0 - s);
        out.push_back(Shape{sc.cx, sc.cy, 6.0 + grow, 2.5 * sc.size, false, 1.0f});
        break;
    }
    case 8: {  // zig-zag along the top-left -> bottom-right diagonal, 3 periods of a triangle wave
        const double along = 80.0 * sc.speed * (s - 0.5);
        const double ph = 3.0 * s;
        const double tri = 4.0 * std::abs(ph - std::floor(ph + 0.5)) - 1.0;  // -1..1
        const double across = 12.0 * sc.size * tri;
        const double k = std::numbers::sqrt2 / 2;
        out.push_back(disc(sc.cx + k * (along - across), sc.cy + k * (along + across), 7.0 * sc.size));
        break;
    }
    case 9: {  // two blobs converging along an axis within 30 degrees of horizontal
        const double d = 8.0 + 40.0 * sc.speed * (1.0 - s);
        const double ux = std::cos(sc.angle), uy = std::sin(sc.angle);
        out.push_back(disc(sc.cx + d * ux, sc.cy + d * uy, 7.0 * sc.size));
        out.push_back(disc(sc.cx - d * ux, sc.cy - d * uy, 7.0 * sc.size));
        break;
    }
    default: {  // random flicker: square patches switching on and off
        const double t = s * sc.trial_s;
        for (const auto& p : sc.patches) {
            const double ph = t / p.period_s + p.phase;
            if (ph - std::floor(ph) < 0.5)
                out.push_back(Shape{p.x, p.y, p.half, -1, true, 1.0f});
        }
        break;
    }
    }
}

/// One brightness change: pixel index, render step (1-based), signed delta.
struct Change {
    int pixel;
    int step;
    float delta;
};

/// Renders the scene at steps + 1 phases and lists every pixel change between consecutive frames.
class Renderer {
public:
    Renderer() : m_prev(kPixels, 0.0f), m_cur(kPixels, 0.0f), m_mark(kPixels, 0) {}

    std::vector<Change> render(const Scene& scene, int steps)
    {
        std::vector<Change> changes;
        for (int i : m_prevList)
            m_prev[std::size_t(i)] = 0.0f;
        m_prevList.clear();
        for (int k = 0; k <= steps; ++k) {
            sceneShapes(scene, double(k) / steps, m_shapes);
            draw();
            if (k > 0) {
                for (int i : m_curList) {
                    const float d = m_cur[std::size_t(i)] - m_prev[std::size_t(i)];
                    if (d != 0.0f)
                        changes.push_back({i, k, d});
                }
                for (int i : m_prevList)
                    if (m_mark[std::size_t(i)] != m_stamp && m_prev[std::size_t(i)] != 0.0f)
                        changes.push_back({i, k, -m_prev[std::size_t(i)]});
            }
            for (int i : m_prevList)
                m_prev[std::size_t(i)] = 0.0f;
            for (int i : m_curList)
                m_prev[std::size_t(i)] = m_cur[std::size_t(i)];
            std::swap(m_prevList, m_curList);
        }
        return changes;
    }

private:
    /// Renders m_shapes into m_cur; m_curList lists the touched pixels (marked with m_stamp).
    void draw()
    {
        m_curList.clear();
        ++m_stamp;
        for (const Shape& s : m_shapes) {
            const double r = reach(s);
            const int x0 = std::max(0, int(std::floor(s.cx - r)));
            const int x1 = std::min(kSize - 1, int(std::ceil(s.cx + r)));
            const int y0 = std::max(0, int(std::floor(s.cy - r)));
            const int y1 = std::min(kSize - 1, int(std::ceil(s.cy + r)));
            for (int y = y0; y <= y1; ++y)
                for (int x = x0; x <= x1; ++x) {
                    const float b = brightness(s, x + 0.5, y + 0.5);
                    if (b <= 0.0f)
                        continue;
                    const int i = y * kSize + x;
                    auto& cur = m_cur[std::size_t(i)];
                    if (m_mark[std::size_t(i)] != m_stamp) {
                        m_mark[std::size_t(i)] = m_stamp;
                        cur = 0.0f;
                        m_curList.push_back(i);
                    }
                    cur = std::max(cur, b);
                }
        }
    }

    std::vector<float> m_prev, m_cur;
    std::vector<std::uint32_t> m_mark;
    std::uint32_t m_stamp = 0;
    std::vector<int> m_prevList, m_curList;
    std::vector<Shape> m_shapes;
};

/// floor(x) + (u < frac(x)): an integer with expectation x.
std::int64_t stochasticRound(double x, Rng& rng)
{
    const double f = std::floor(x);
    return std::int64_t(f) + (rng.uniform() < x - f ? 1 : 0);
}

Event makeEvent(std::int64_t t, int x, int y, bool on)
{
    return Event{t, std::int16_t(x), std::int16_t(y), std::uint8_t(on ? 1 : 0)};
}

void renderTrial(const Scene& scene, std::int64_t start_us, const SyntheticGestureParams& p, double rate,
                 Renderer& renderer, Rng& rng, Events& out)
{
    const int steps = int(std::max<std::int64_t>(1, (p.trial_us + p.render_step_us - 1) / p.render_step_us));
    const std::vector<Change> changes = renderer.render(scene, steps);
    double total = 0;
    for (const Change& c : changes)
        total += std::abs(double(c.delta));
    const double target = rate * double(p.trial_us) * 1e-6 * rng.uniform(0.9, 1.1);
    if (total <= 0 || target <= 0)
        return;
    const double gain = target / total;
    const double dt = double(p.trial_us) / steps;
    for (const Change& c : changes) {
        const std::int64_t n = stochasticRound(gain * std::abs(double(c.delta)), rng);
        for (std::int64_t j = 0; j < n; ++j) {
            const double offset = (double(c.step - 1) + rng.uniform()) * dt;
            const std::int64_t t = start_us + std::min(std::int64_t(offset), p.trial_us - 1);
            out.push_back(makeEvent(t, c.pixel % kSize, c.pixel / kSize, c.delta > 0));
        }
    }
}

std::uint64_t userStream(int user, std::uint64_t k)
{
    return (std::uint64_t(user + 1) << 32) + k;
}

void writeText(const std::string& path, const std::string& text)
{
    writeFileAtomically(path, text);
}

} // namespace

void checkSyntheticGestureParams(const SyntheticGestureParams& p, std::vector<ConfigIssue>& issues)
{
    const auto add = [&](const char* key, const std::string& what) {
        issues.push_back({std::string("synth_gesture.") + key, what});
    };
    if (p.users < 1 || p.users > 99)
        add("users", "must be 1..99, got " + std::to_string(p.users));
    if (p.test_users < 0 || p.test_users > p.users)
        add("test_users", "must be 0..users, got " + std::to_string(p.test_users));
    if (p.trials_per_class < 1 || p.trials_per_class > 1000)
        add("trials_per_class", "must be 1..1000, got " + std::to_string(p.trials_per_class));
    if (p.trial_us < 1)
        add("trial_us", "must be >= 1, got " + std::to_string(p.trial_us));
    if (p.gap_us < 0)
        add("gap_us", "must be >= 0, got " + std::to_string(p.gap_us));
    if (p.render_step_us < 1)
        add("render_step_us", "must be >= 1, got " + std::to_string(p.render_step_us));
    if (!std::isfinite(p.event_rate_hz) || p.event_rate_hz < 0)
        add("event_rate_hz", "must be finite and >= 0");
    if (!std::isfinite(p.noise_rate_hz) || p.noise_rate_hz < 0)
        add("noise_rate_hz", "must be finite and >= 0");
}

std::string syntheticGestureStem(int user)
{
    const int n = user + 1;
    std::string stem = "user";
    stem += char('0' + n / 10 % 10);
    stem += char('0' + n % 10);
    stem += '_';
    stem += kLighting[std::size_t(user) % kLighting.size()];
    return stem;
}

SyntheticGestureRecording generateSyntheticGestureRecording(const SyntheticGestureParams& p, int user)
{
    std::vector<ConfigIssue> issues;
    checkSyntheticGestureParams(p, issues);
    if (issues.empty() && (user < 0 || user >= p.users))
        issues.push_back({"synth_gesture.user", "must be 0..users-1, got " + std::to_string(user)});
    if (!issues.empty())
        throw ConfigError(std::move(issues), "synthetic gestures");

    Rng urng(p.seed, userStream(user, 0));
    UserStyle style;
    style.speed = urng.uniform(0.8, 1.25);
    style.size = urng.uniform(0.8, 1.25);
    style.ox = urng.uniform(-10.0, 10.0);
    style.oy = urng.uniform(-10.0, 10.0);
    style.rate = urng.uniform(0.8, 1.25);
    style.t0 = 1'000'000 + std::int64_t(urng.below(1'000'000));

    std::vector<int> order;
    for (int c = 0; c < kDvsGestureClasses; ++c)
        for (int r = 0; r < p.trials_per_class; ++r)
            order.push_back(c);
    for (std::size_t i = order.size(); i > 1; --i)  // Fisher-Yates
        std::swap(order[i - 1], order[std::size_t(urng.below(i))]);

    SyntheticGestureRecording rec;
    rec.stem = syntheticGestureStem(user);
    const std::int64_t signal_estimate =
        std::int64_t(p.event_rate_hz * 1.4 * double(p.trial_us) * 1e-6) * std::int64_t(order.size());
    rec.events.reserve(std::size_t(std::max<std::int64_t>(0, signal_estimate)));

    Renderer renderer;
    const double trial_s = double(p.trial_us) * 1e-6;
    std::int64_t t = style.t0 + p.gap_us;
    for (std::size_t i = 0; i < order.size(); ++i) {
        Rng trng(p.seed, userStream(user, 2 + i));
        const Scene scene = makeScene(order[i], style, trial_s, trng);
        renderTrial(scene, t, p, p.event_rate_hz * style.rate, renderer, trng, rec.events);
        rec.labels.push_back({order[i], t, t + p.trial_us});
        t += p.trial_us + p.gap_us;
    }

    Rng nrng(p.seed, userStream(user, 1));
    const std::int64_t span = t - style.t0;
    const std::int64_t noise = stochasticRound(p.noise_rate_hz * double(span) * 1e-6, nrng);
    for (std::int64_t j = 0; j < noise; ++j) {
        const std::int64_t tn = style.t0 + std::int64_t(nrng.below(std::uint64_t(span)));
        const int x = int(nrng.below(kSize)), y = int(nrng.below(kSize));
        rec.events.push_back(makeEvent(tn, x, y, nrng.below(2) == 1));
    }
    std::sort(rec.events.begin(), rec.events.end(), [](const Event& a, const Event& b) {
        if (a.t_us != b.t_us)
            return a.t_us < b.t_us;
        if (a.x != b.x)
            return a.x < b.x;
        if (a.y != b.y)
            return a.y < b.y;
        return a.p < b.p;
    });
    return rec;
}

void writeSyntheticGestures(const std::string& root, const SyntheticGestureParams& p)
{
    std::vector<ConfigIssue> issues;
    checkSyntheticGestureParams(p, issues);
    if (!issues.empty())
        throw ConfigError(std::move(issues), "synthetic gestures");
    std::error_code ec;
    fs::create_directories(root, ec);
    if (ec)
        throw IoError(root + ": cannot create folder: " + ec.message());

    std::string train, test;
    for (int u = 0; u < p.users; ++u) {
        const SyntheticGestureRecording rec = generateSyntheticGestureRecording(p, u);
        const std::string base = (fs::path(root) / rec.stem).string();
        writeAedat31(base + ".aedat", rec.events);
        writeGestureLabels(base + "_labels.csv", rec.labels);
        (u < p.users - p.test_users ? train : test) += rec.stem + ".aedat\n";
    }
    writeText((fs::path(root) / "trials_to_train.txt").string(), train);
    writeText((fs::path(root) / "trials_to_test.txt").string(), test);
}

} // namespace tp
