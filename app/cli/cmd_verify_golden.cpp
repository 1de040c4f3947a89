#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.h"
#include "rules/tp/golden.h"

namespace tp::cli {

Runner addVerifyGolden(CLI::App& app)
{
    struct Options {
        std::vector<std::string> files;
        std::string precision = "both";
        bool json = false;
    };
    auto o = std::make_shared<Options>();
    app.add_option("FILE", o->files, "golden HDF5 file(s) in the tests/golden format")->required();
    app.add_option("--precision", o->precision, "float32, float64 or both")
        ->check(CLI::IsMember({"float32", "float64", "both"}));
    app.add_flag("--json", o->json, "one JSON object per file and precision");
    return [o] {
        bool allPassed = true;
        for (const auto& file : o->files) {
            std::vector<Precision> precisions;
            if (o->precision != "float64")
                precisions.push_back(Precision::Float32);
            if (o->precision != "float32")
                precisions.push_back(Precision::Float64);
            for (const Precision p : precisions) {
                const GoldenReport r = verifyGolden(file, p);
                allPassed = allPassed && r.passed();
                const char* pname = p == Precision::Float64 ? "float64" : "float32";
                if (o->json) {
                    nlohmann::json arrays = nlohmann::json::array();
                    for (const auto& a : r.arrays)
                        arrays.push_back({{"name", a.name}, {"exact", a.exact}, {"max_rel", a.max_rel},
                                          {"max_abs", a.max_abs}, {"mismatches", a.mismatches},
                                          {"tolerance", a.tolerance}, {"ok", a.ok()}});
                    std::cout << nlohmann::json{{"file", file}, {"precision", pname}, {"passed", r.passed()},
                                                {"arrays", arrays}}
                                     .dump()
                              << "\n";
                } else {
                    std::cout << file << " [" << pname << "]\n" << r.table()
                              << (r.passed() ? "PASS" : "FAIL") << "\n\n";
                }
            }
        }
        return allPassed ? kExitOk : kExitRunFailure;
    };
}

} // namespace tp::cli
