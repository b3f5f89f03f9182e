import CHDF5
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Giving back the space of a crash-consistent file: such a file never reuses freed space (`File.create`'s
/// `crashConsistent`), so every partial chunk rewritten at a flush leaves its old copy behind, and a trace ends up
/// several times the size of its data. Once the file is closed nothing needs those copies any more.
///
/// The way back is a copy: every object into a fresh file beside it (`H5Ocopy` copies chunked datasets' chunks as
/// they are stored, without decompressing them), every object's attributes by hand, the dimension scales attached
/// again, then the copy checked against the original, made durable and renamed over it. Until that rename the
/// original is untouched, so a process killed meanwhile leaves it as it was, plus the scratch file.
public struct CompactionResult: Sendable, Equatable {
    /// The file's size before.
    public var bytesBefore: UInt64
    /// The file's size after.
    public var bytesAfter: UInt64
}

extension File {
    /// The bytes the file's datasets take on disk (`H5Dget_storage_size` summed): their data as stored,
    /// compressed, without metadata and without dead copies. A compact file is little more than this.
    public func datasetStorageBytes() throws(HDF5Error) -> UInt64 {
        var total: UInt64 = 0
        for entry in try FileCompaction.objects(in: self) where entry.type == H5O_TYPE_DATASET {
            let dataset = try checked("H5Dopen2", context) { H5Dopen2(rawValue, entry.path, chdf5_p_default()) }
            defer { unchecked { _ = H5Dclose(dataset) } }
            total += UInt64(unchecked { H5Dget_storage_size(dataset) })
        }
        return total
    }

    /// Rewrites the closed file at `path` without dead space, keeping everything a reader sees: every group,
    /// dataset (chunks copied as stored), committed datatype, attribute, link and dimension scale, the file's
    /// format and its free-space strategy (so a resumed trace stays crash-consistent).
    ///
    /// The copy is written to `scratchPath` (an existing file there is replaced), with room for it reserved
    /// first, compared object by object with the original, `fsync`ed, and renamed over `path`; the directory is
    /// then `fsync`ed too. On any failure the scratch file is removed and `path` is left exactly as it was.
    ///
    /// Nothing else may write the file meanwhile: the caller holds the writer's claim on it.
    /// - Parameter shouldStop: asked before each dataset is copied and each object's attributes; true abandons the
    ///   copy (a signal asked the process to end: the original is complete, only larger), throwing `.stopped`.
    /// - Throws: `.storage` when there is no room for the copy (nothing was written then) or a system call failed,
    ///   `.stopped`, any HDF5 error of the copy.
    @discardableResult
    public static func compact(
        _ path: String, scratchPath: String, shouldStop: @escaping () -> Bool = { false }
    ) throws(HDF5Error) -> CompactionResult {
        let before = FileCompaction.size(of: path)
        let source = try File.open(path, mode: .readOnly, fileLocking: false)
        defer { try? source.close() }
        var copy: File?
        do throws(HDF5Error) {
            let (format, crashConsistent) = try FileCompaction.creationSettings(of: source)
            if unlink(scratchPath) != 0 && errno != ENOENT {
                throw FileCompaction.systemError("unlink", scratchPath, errno)
            }
            let created = try File.create(
                scratchPath, mode: .failIfExists, format: format, crashConsistent: crashConsistent)
            copy = created
            // Reserved before a byte is copied: a full disk or a file-size limit stops the copy here, not halfway.
            try created.reserveSpace(before + 65_536 + before / 100)
            let stop = FileCompaction.Stop(path: path, asked: shouldStop)
            try FileCompaction.copyContents(of: source, into: created, stop: stop)
            try FileCompaction.compare(source, created, stop: stop)
            try created.flush()
            let end = try created.allocatedSize()
            copy = nil
            try created.close()
            // The reservation reaches past HDF5's end of file; cut it back so size and allocated size agree.
            if FileCompaction.size(of: scratchPath) > end, truncate(scratchPath, off_t(clamping: end)) != 0 {
                throw FileCompaction.systemError("truncate", scratchPath, errno)
            }
            // The trace keeps its permissions (the copy was created with the process's umask).
            var original = stat()
            if stat(path, &original) == 0 { _ = chmod(scratchPath, original.st_mode & 0o7777) }
            try FileCompaction.synchronize(scratchPath)
            try source.close()
            guard rename(scratchPath, path) == 0 else { throw FileCompaction.systemError("rename", path, errno) }
            // The rename itself is durable only once the directory is.
            try FileCompaction.synchronize((path as NSString).deletingLastPathComponent.isEmpty
                ? "." : (path as NSString).deletingLastPathComponent)
        } catch {
            if let copy {
                copy.detachFromDisk(truncatingTo: nil)
                if copy.canCloseAfterDetaching() { try? copy.close() } else { copy.abandon() }
            }
            unlink(scratchPath)
            throw error
        }
        return CompactionResult(bytesBefore: before, bytesAfter: FileCompaction.size(of: path))
    }
}

/// The steps of `File.compact`.
enum FileCompaction {
    /// One object of a file, found by walking it from the root.
    struct Entry: Equatable {
        var path: String
        var type: H5O_type_t
        var attributes: Int
        /// Where the object lies in its file: what a dimension scale, opened by reference, is found by.
        var address: haddr_t

        /// The same object as a reader sees it; the address differs between a file and its copy.
        static func == (a: Entry, b: Entry) -> Bool {
            a.path == b.path && a.type == b.type && a.attributes == b.attributes
        }
    }

    /// Every object below the root, each once, in name order, with its path from the root ("runs/r0/steps").
    static func objects(in file: File) throws(HDF5Error) -> [Entry] {
        var entries: [Entry] = []
        try checked("H5Ovisit2", file.context) {
            withUnsafeMutablePointer(to: &entries) { pointer in
                H5Ovisit2(
                    file.rawValue, H5_INDEX_NAME, H5_ITER_INC,
                    { _, name, info, client in
                        guard let name, let info, let client else { return -1 }
                        let path = String(cString: name)
                        if path != "." {
                            client.assumingMemoryBound(to: [Entry].self).pointee.append(
                                Entry(
                                    path: path, type: info.pointee.type, attributes: Int(info.pointee.num_attrs),
                                    address: info.pointee.addr))
                        }
                        return 0
                    }, pointer, UInt32(H5O_INFO_BASIC | H5O_INFO_NUM_ATTRS))
            }
        }
        return entries
    }

    /// The format and free-space strategy to create the copy with: the latest format for a file written that way
    /// (a live trace, superblock version 3), and no reuse of freed space when the original had none.
    static func creationSettings(of file: File) throws(HDF5Error) -> (FileFormat, Bool) {
        var info = H5F_info2_t()
        try checked("H5Fget_info2", file.context) { H5Fget_info2(file.rawValue, &info) }
        let creation = PropertyList(
            adopting: try checked("H5Fget_create_plist", file.context) { H5Fget_create_plist(file.rawValue) })
        var strategy = H5F_FSPACE_STRATEGY_FSM_AGGR
        var persist: hbool_t = false
        var threshold: hsize_t = 0
        try checked("H5Pget_file_space_strategy", file.context) {
            H5Pget_file_space_strategy(creation.id, &strategy, &persist, &threshold)
        }
        return (info.super.version >= 3 ? .latest : .compatible, strategy == H5F_FSPACE_STRATEGY_NONE)
    }

    /// Asks whether to go on (`File.compact`'s `shouldStop`), and throws `.stopped` when not.
    struct Stop {
        let path: String
        let asked: () -> Bool

        func check() throws(HDF5Error) {
            guard asked() else { return }
            throw HDF5Error(
                code: .stopped, operation: "compact", filePath: path,
                message: "stopped on request before the copy was finished")
        }
    }

    /// Copies every group (made again with default creation properties, as a recorder makes them: the source's
    /// own, read from a read-only file, crash `H5Ovisit` of a latest-format copy in HDF5 1.10.8), committed
    /// datatype and dataset (by `H5Ocopy`, chunks as stored), without attributes, committed datatypes before their
    /// group's other objects;
    /// then every object's attributes, the root's included; then attaches every dimension scale again. Object by
    /// object rather than one `H5Ocopy` of the whole tree, so that a stop is honoured between two datasets.
    ///
    /// Attributes are copied here rather than by `H5Ocopy`: HDF5 1.10.8 crashes (a null conversion callback in
    /// `H5T__conv_vlen`) copying variable-length attributes held in dense storage, which a latest-format (live)
    /// trace uses for a run's many settings. Read and written again, they need no conversion between files.
    static func copyContents(of source: File, into destination: File, stop: Stop) throws(HDF5Error) {
        let context = source.context
        let options = PropertyList(adopting: try checked("H5Pcreate", context) { H5Pcreate(chdf5_p_object_copy()) })
        // A dataset of a committed type uses the copy's committed type of that name, not an anonymous copy each.
        try checked("H5Pset_copy_object", context) {
            H5Pset_copy_object(options.id, UInt32(H5O_COPY_WITHOUT_ATTR_FLAG | H5O_COPY_MERGE_COMMITTED_DTYPE_FLAG))
        }
        var types: [String] = []
        try copyGroup(".", of: source, into: destination, options: options, types: &types, stop: stop)
        for path in ["."] + (try objects(in: source)).map(\.path) {
            try stop.check()
            let from = try checked("H5Oopen", context) { H5Oopen(source.rawValue, path, chdf5_p_default()) }
            defer { unchecked { _ = H5Oclose(from) } }
            let to = try checked("H5Oopen", destination.context) {
                H5Oopen(destination.rawValue, path, chdf5_p_default())
            }
            defer { unchecked { _ = H5Oclose(to) } }
            try copyAttributes(of: from, to: to, source: source, destination: destination, committedTypes: types)
        }
        try attachScalesAgain(from: source, in: destination, stop: stop)
    }

    /// The links of one group, which exists in both files: subgroups made and filled in turn, committed datatypes
    /// then datasets copied. Every link must be a hard link (a recorder writes no other).
    private static func copyGroup(
        _ group: String, of source: File, into destination: File, options: borrowing PropertyList, types: inout [String],
        stop: Stop
    ) throws(HDF5Error) {
        let context = source.context
        let names: [String]
        if group == "." {
            names = try source.children()
        } else {
            names = try source.openGroup(group).children()
        }
        var kinds: [(path: String, type: H5O_type_t)] = []
        for name in names {
            let path = group == "." ? name : group + "/" + name
            var link = H5L_info_t()
            try checked("H5Lget_info", context) { H5Lget_info(source.rawValue, path, &link, chdf5_p_default()) }
            guard link.type == H5L_TYPE_HARD else {
                throw unsupported("the link '\(path)' is not a hard link", source.path)
            }
            var info = H5O_info_t()
            try checked("H5Oget_info_by_name2", context) {
                H5Oget_info_by_name2(source.rawValue, path, &info, UInt32(H5O_INFO_BASIC), chdf5_p_default())
            }
            kinds.append((path, info.type))
        }
        let ordered = kinds.filter { $0.type == H5O_TYPE_NAMED_DATATYPE } + kinds.filter {
            $0.type != H5O_TYPE_NAMED_DATATYPE
        }
        for (path, type) in ordered {
            try stop.check()
            if type == H5O_TYPE_GROUP {
                let made = try checked("H5Gcreate2", destination.context) {
                    H5Gcreate2(destination.rawValue, path, chdf5_p_default(), chdf5_p_default(), chdf5_p_default())
                }
                unchecked { _ = H5Gclose(made) }
                try copyGroup(path, of: source, into: destination, options: options, types: &types, stop: stop)
            } else {
                if type == H5O_TYPE_NAMED_DATATYPE { types.append(path) }
                try checked("H5Ocopy", context) {
                    H5Ocopy(source.rawValue, path, destination.rawValue, path, options.id, chdf5_p_default())
                }
            }
        }
    }

    /// The attributes a dimension scale's attachment makes, holding object references: made again by
    /// `attachScalesAgain`, not copied.
    static let scaleReferenceAttributes: Set<String> = ["DIMENSION_LIST", "REFERENCE_LIST"]

    /// One object's attributes, read and written again (the scales' reference attributes left out). An attribute
    /// of a committed type gets the destination's copy of that type.
    private static func copyAttributes(
        of object: hid_t, to target: hid_t, source: File, destination: File, committedTypes: [String]
    ) throws(HDF5Error) {
        let context = source.context
        for name in try HDF5.attributeNames(of: object, context) where !scaleReferenceAttributes.contains(name) {
            let attribute = try checked("H5Aopen", context) { H5Aopen(object, name, chdf5_p_default()) }
            defer { unchecked { _ = H5Aclose(attribute) } }
            let type = try checked("H5Aget_type", context) { H5Aget_type(attribute) }
            defer { unchecked { _ = H5Tclose(type) } }
            let space = try checked("H5Aget_space", context) { H5Aget_space(attribute) }
            defer { unchecked { _ = H5Sclose(space) } }
            guard try checked("H5Tdetect_class", context, { H5Tdetect_class(type, H5T_REFERENCE) }) == 0 else {
                throw unsupported("the attribute '\(name)' holds object references", source.path)
            }
            let points = try checked("H5Sget_simple_extent_npoints", context) { H5Sget_simple_extent_npoints(space) }
            var buffer = [UInt8](repeating: 0, count: max(1, Int(points) * unchecked { H5Tget_size(type) }))
            try checked("H5Aread", context) { H5Aread(attribute, type, &buffer) }
            let variable =
                unchecked { H5Tis_variable_str(type) } > 0 || unchecked { H5Tdetect_class(type, H5T_VLEN) } > 0
            defer { if variable { unchecked { _ = H5Dvlen_reclaim(type, space, chdf5_p_default(), &buffer) } } }
            let stored = try storedType(for: type, in: destination, committedTypes: committedTypes)
            defer { unchecked { _ = H5Tclose(stored) } }
            let created = try checked("H5Acreate2", destination.context) {
                H5Acreate2(target, name, stored, space, chdf5_p_default(), chdf5_p_default())
            }
            defer { unchecked { _ = H5Aclose(created) } }
            try checked("H5Awrite", destination.context) { H5Awrite(created, type, buffer) }
        }
    }

    /// The type to create a copied attribute with: for a committed type, the destination's equal committed type
    /// (a type committed in another file cannot be used); otherwise a copy.
    private static func storedType(
        for type: hid_t, in destination: File, committedTypes: [String]
    ) throws(HDF5Error) -> hid_t {
        if unchecked({ H5Tcommitted(type) }) > 0 {
            for name in committedTypes {
                let candidate = try checked("H5Topen2", destination.context) {
                    H5Topen2(destination.rawValue, name, chdf5_p_default())
                }
                if unchecked({ H5Tequal(candidate, type) }) > 0 { return candidate }
                unchecked { _ = H5Tclose(candidate) }
            }
        }
        return try checked("H5Tcopy", destination.context) { H5Tcopy(type) }
    }

    /// Dimension scales hold object references (`DIMENSION_LIST` on a dataset, `REFERENCE_LIST` on its scale),
    /// the source's addresses, meaningless in the copy. Every scale is attached again instead, axis by axis in the
    /// source's order, by the same call that attached it first (its `CLASS` and `NAME` were copied).
    private static func attachScalesAgain(from source: File, in destination: File, stop: Stop) throws(HDF5Error) {
        var attachments: [(dataset: String, axis: Int, scales: [String])] = []
        let entries = try objects(in: source)
        // Every dataset's path by its address, the first in name order where hard links give one several: what a
        // scale, which `H5DSiterate_scales` opens by reference, is called. Not `H5Iget_name`: for an object opened
        // by reference it searches the whole file, once per scale, which made compacting a trace of 720 runs
        // (55,000 objects) take longer than recording it.
        var named: [haddr_t: String] = [:]
        for entry in entries where entry.type == H5O_TYPE_DATASET && named[entry.address] == nil {
            named[entry.address] = entry.path
        }
        for entry in entries where entry.type == H5O_TYPE_DATASET {
            try stop.check()
            let dataset = try checked("H5Dopen2", source.context) {
                H5Dopen2(source.rawValue, entry.path, chdf5_p_default())
            }
            defer { unchecked { _ = H5Dclose(dataset) } }
            guard unchecked({ H5Aexists(dataset, "DIMENSION_LIST") }) > 0 else { continue }
            let space = try checked("H5Dget_space", source.context) { H5Dget_space(dataset) }
            let rank = unchecked { H5Sget_simple_extent_ndims(space) }
            unchecked { _ = H5Sclose(space) }
            for axis in 0..<max(0, Int(rank)) {
                attachments.append((entry.path, axis, try scalePaths(of: dataset, axis: axis, named, source)))
            }
        }
        for attachment in attachments {
            let dataset = try checked("H5Dopen2", destination.context) {
                H5Dopen2(destination.rawValue, attachment.dataset, chdf5_p_default())
            }
            defer { unchecked { _ = H5Dclose(dataset) } }
            for scalePath in attachment.scales {
                let scale = try checked("H5Dopen2", destination.context) {
                    H5Dopen2(destination.rawValue, scalePath, chdf5_p_default())
                }
                defer { unchecked { _ = H5Dclose(scale) } }
                try checked("H5DSattach_scale", destination.context) {
                    H5DSattach_scale(dataset, scale, UInt32(attachment.axis))
                }
            }
        }
    }

    /// The paths of the scales attached to one axis, in their order.
    private static func scalePaths(
        of dataset: hid_t, axis: Int, _ named: [haddr_t: String], _ source: File
    ) throws(HDF5Error) -> [String] {
        guard unchecked({ H5DSget_num_scales(dataset, UInt32(axis)) }) > 0 else { return [] }
        var found = (named: named, paths: [String]())
        var index: Int32 = 0
        try checked("H5DSiterate_scales", source.context) {
            withUnsafeMutablePointer(to: &found) { pointer in
                H5DSiterate_scales(
                    dataset, UInt32(axis), &index,
                    { _, _, scale, client in
                        guard let client else { return -1 }
                        let found = client.assumingMemoryBound(to: (named: [haddr_t: String], paths: [String]).self)
                        var info = H5O_info_t()
                        guard H5Oget_info2(scale, &info, UInt32(H5O_INFO_BASIC)) >= 0,
                            let path = found.pointee.named[info.addr]
                        else { return -1 }
                        found.pointee.paths.append(path)
                        return 0
                    }, pointer)
            }
        }
        return found.paths
    }

    /// Checks the copy before it replaces the original: the same objects under the same paths with as many
    /// attributes each, and every dataset of the same type and shape holding as many stored bytes.
    static func compare(_ source: File, _ copy: File, stop: Stop) throws(HDF5Error) {
        let original = try objects(in: source)
        let copied = try objects(in: copy)
        guard original == copied else {
            let missing = Set(original.map(\.path)).symmetricDifference(copied.map(\.path)).sorted().prefix(3)
            throw unsupported(
                "the copy does not hold the same objects and attributes"
                    + (missing.isEmpty ? "" : " (\(missing.joined(separator: ", ")))"), source.path)
        }
        for entry in original where entry.type == H5O_TYPE_DATASET {
            try stop.check()
            let a = try source.openDataset(entry.path)
            let b = try copy.openDataset(entry.path)
            let sameShape = try a.shape() == b.shape()
            let sameType = try a.typeDescription() == b.typeDescription()
            let sameBytes = unchecked { H5Dget_storage_size(a.rawValue) == H5Dget_storage_size(b.rawValue) }
            let same = sameShape && sameType && sameBytes
            try a.close()
            try b.close()
            guard same else { throw unsupported("the copy of \(entry.path) differs from it", source.path) }
        }
    }

    /// `fsync` of a file or directory.
    static func synchronize(_ path: String) throws(HDF5Error) {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw systemError("open", path, errno) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw systemError("fsync", path, errno) }
    }

    static func size(of path: String) -> UInt64 {
        var status = stat()
        return stat(path, &status) == 0 ? UInt64(status.st_size) : 0
    }

    static func systemError(_ operation: String, _ path: String, _ number: Int32) -> HDF5Error {
        HDF5Error(
            code: .storage, operation: operation, filePath: path,
            message: SystemErrorText.describe(number) + (SystemErrorText.storageHint(number) ?? ""))
    }

    static func unsupported(_ message: String, _ path: String) -> HDF5Error {
        HDF5Error(code: .library, operation: "compact", filePath: path, message: message)
    }
}
