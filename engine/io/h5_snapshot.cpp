#include "io/h5_snapshot.h"

#include <filesystem>

#include <hdf5.h>

#include "core/errors.h"
#include "core/file_read.h"
#include "io/h5.h"
#include "io/h5_handle.h"
#include "io/h5_isolated.h"

namespace tp::h5 {

namespace {

struct Listing {
    std::vector<std::string> groups, datasets;
};

// Hard links only: a soft or external link of a hostile file could point anywhere.
herr_t collect(hid_t group, const char* name, const H5L_info_t* info, void* out)
{
    if (info->type != H5L_TYPE_HARD)
        return 0;
    auto* listing = static_cast<Listing*>(out);
    noteReading("/" + std::string(name));
    Handle obj(H5Oopen(group, name, H5P_DEFAULT));
    if (obj.id < 0)
        return 0;
    if (H5Iget_type(obj) == H5I_DATASET)
        listing->datasets.emplace_back(name);
    else if (H5Iget_type(obj) == H5I_GROUP)
        listing->groups.emplace_back(name);
    return 0;
}

herr_t collectAttribute(hid_t, const char* name, const H5A_info_t*, void* out)
{
    static_cast<std::vector<std::string>*>(out)->emplace_back(name);
    return 0;
}

std::string className(H5T_class_t c)
{
    switch (c) {
    case H5T_COMPOUND: return "a compound type";
    case H5T_VLEN: return "variable-length sequences";
    case H5T_ARRAY: return "arrays";
    case H5T_ENUM: return "an enumeration";
    case H5T_OPAQUE: return "opaque data";
    case H5T_BITFIELD: return "a bit field";
    case H5T_REFERENCE: return "references";
    case H5T_TIME: return "time values";
    default: return "an unknown type";
    }
}

template <typename Fn>
SnapshotItem readItem(H5T_class_t cls, Fn&& read)
{
    SnapshotItem item;
    try {
        read(item, cls);
    } catch (const InputError& e) {
        item = SnapshotItem{};
        item.kind = SnapshotItem::Kind::Error;
        item.text = e.what();
    }
    return item;
}

H5T_class_t classOf(hid_t object, bool attribute)
{
    Handle type(attribute ? H5Aget_type(object) : H5Dget_type(object));
    return type < 0 ? H5T_NO_CLASS : H5Tget_class(type);
}

/// In the child: the whole file through the direct File API (its checks on claimed sizes apply).
Snapshot snapshotHere(const std::string& path)
{
    const File f = File::openRead(path);  // direct: we are the child
    const hid_t root = hid_t(f.handle());
    Listing listing;
    if (H5Lvisit(root, H5_INDEX_NAME, H5_ITER_INC, collect, &listing) < 0)
        throw FormatError(path, "group /", "cannot list its objects");
    Snapshot s;
    s.groups.insert(listing.groups.begin(), listing.groups.end());
    for (const auto& name : listing.datasets) {
        noteReading("/" + name);
        H5T_class_t cls = H5T_NO_CLASS;
        if (Handle ds(H5Dopen2(root, name.c_str(), H5P_DEFAULT)); ds >= 0)
            cls = classOf(ds, false);
        s.datasets[name] = readItem(cls, [&](SnapshotItem& item, H5T_class_t c) {
            if (c == H5T_INTEGER) {
                auto a = f.readInts(name);
                item.kind = SnapshotItem::Kind::Ints;
                item.dims = a.dims;
                item.ints = std::move(a.data);
            } else if (c == H5T_FLOAT) {
                auto a = f.readDoubles(name);
                item.kind = SnapshotItem::Kind::Doubles;
                item.dims = a.dims;
                item.doubles = std::move(a.data);
            } else if (c == H5T_STRING) {
                item.kind = SnapshotItem::Kind::Strings;
                item.strings = f.readStrings(name);
            } else if (c == H5T_NO_CLASS) {
                throw FormatError(path, "dataset /" + name, "cannot open (not a dataset?)");
            } else {
                item.kind = SnapshotItem::Kind::Other;
                item.text = className(c);
            }
        });
    }
    std::vector<std::string> attributes;
    hsize_t at = 0;
    if (H5Aiterate2(root, H5_INDEX_NAME, H5_ITER_INC, &at, collectAttribute, &attributes) < 0)
        throw FormatError(path, "group /", "cannot list its attributes");
    for (const auto& name : attributes) {
        noteReading("attribute " + name);
        H5T_class_t cls = H5T_NO_CLASS;
        if (Handle a(H5Aopen(root, name.c_str(), H5P_DEFAULT)); a >= 0)
            cls = classOf(a, true);
        s.attributes[name] = readItem(cls, [&](SnapshotItem& item, H5T_class_t c) {
            if (c == H5T_INTEGER) {
                item.kind = SnapshotItem::Kind::Ints;
                item.ints = f.attrInts(name);
                item.dims = {item.ints.size()};
            } else if (c == H5T_FLOAT) {
                item.kind = SnapshotItem::Kind::Doubles;
                item.doubles = f.attrDoubles(name);
                item.dims = {item.doubles.size()};
            } else if (c == H5T_STRING) {
                item.kind = SnapshotItem::Kind::Strings;
                item.strings = {f.attrString(name)};
            } else if (c == H5T_NO_CLASS) {
                throw FormatError(path, "attribute " + name, "cannot open");
            } else {
                item.kind = SnapshotItem::Kind::Other;
                item.text = className(c);
            }
        });
    }
    return s;
}

void encodeItem(ByteSink& out, const std::string& name, const SnapshotItem& item)
{
    out.str(name);
    out.u8(std::uint8_t(item.kind));
    out.str(item.text);
    std::vector<std::uint64_t> dims(item.dims.begin(), item.dims.end());
    out.vec(dims);
    out.vec(item.ints);
    out.vec(item.doubles);
    out.strings(item.strings);
}

std::pair<std::string, SnapshotItem> decodeItem(ByteSource& in)
{
    std::pair<std::string, SnapshotItem> r;
    r.first = in.str();
    SnapshotItem& item = r.second;
    const std::uint8_t kind = in.u8();
    if (kind > std::uint8_t(SnapshotItem::Kind::Error))
        in.malformed();
    item.kind = SnapshotItem::Kind(kind);
    item.text = in.str();
    const auto dims = in.vec<std::uint64_t>();
    item.ints = in.vec<std::int64_t>();
    item.doubles = in.vec<double>();
    item.strings = in.strings();
    double product = 1;
    for (auto d : dims) {
        item.dims.push_back(std::size_t(d));
        product *= double(d);
    }
    const double values = item.kind == SnapshotItem::Kind::Ints      ? double(item.ints.size())
                          : item.kind == SnapshotItem::Kind::Doubles ? double(item.doubles.size())
                                                                     : product;
    if (values != product)
        in.malformed();
    return r;
}

} // namespace

const IsolatedReader kSnapshotReader{"snapshot", [](const std::string& path, ByteSink& out) {
    const Snapshot s = snapshotHere(path);
    out.strings(std::vector<std::string>(s.groups.begin(), s.groups.end()));
    out.u64(s.datasets.size());
    for (const auto& [name, item] : s.datasets)
        encodeItem(out, name, item);
    out.u64(s.attributes.size());
    for (const auto& [name, item] : s.attributes)
        encodeItem(out, name, item);
}};

Snapshot takeSnapshot(const std::string& path)
{
    requireFile(path, "HDF5 file");  // "no such file" / "is a directory, expected a file"
    const std::string bytes = readIsolated(path, kSnapshotReader, answerBound(path));
    ByteSource in(bytes, path);
    Snapshot s;
    for (auto& g : in.strings())
        s.groups.insert(std::move(g));
    const std::uint64_t datasets = in.count(1);
    for (std::uint64_t i = 0; i < datasets; ++i)
        s.datasets.insert(decodeItem(in));
    const std::uint64_t attributes = in.count(1);
    for (std::uint64_t i = 0; i < attributes; ++i)
        s.attributes.insert(decodeItem(in));
    if (!in.atEnd())
        in.malformed();
    return s;
}

} // namespace tp::h5
