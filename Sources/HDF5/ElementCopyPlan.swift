import CHDF5

/// How one stored element becomes one memory element when HDF5's conversion would only move bytes: every field the
/// memory element reads is a member of the stored type of exactly the memory field's type (same class, size, byte
/// order), so converting it is copying it. Made once per dataset; applied to every element of every raw chunk.
struct ElementCopyPlan: Sendable, Equatable {
    /// `size` bytes from `fileOffset` of the stored element go to `memoryOffset` of the memory element.
    struct Span: Sendable, Equatable {
        var fileOffset: Int
        var memoryOffset: Int
        var size: Int
    }

    /// Bytes of one stored element.
    let fileSize: Int
    /// Bytes from one memory element to the next.
    let memoryStride: Int
    /// In memory order, with neighbours that are adjacent on both sides merged.
    let spans: [Span]
    /// Fields the stored type lacks and may lack, written with their stand-in bytes into every element.
    var absent: [ElementLayout.Field] = []

    /// The stored element is the memory element byte for byte: a block of them is copied whole.
    var isIdentity: Bool {
        fileSize == memoryStride && absent.isEmpty && spans == [Span(fileOffset: 0, memoryOffset: 0, size: fileSize)]
    }

    /// Whether the spans write every byte of a memory element (no padding left for the reader to fill).
    var coversMemory: Bool {
        spans.reduce(0) { $0 + $1.size } + absent.reduce(0) { $0 + $1.kind.byteCount } == memoryStride
    }

    /// The plan for reading elements stored as `fileType` into `layout`, or nil when some field needs a real
    /// conversion (another byte order or width, a missing member), which only HDF5's `H5Dread` does.
    static func make(fileType: hid_t, layout: ElementLayout, memoryStride: Int) -> ElementCopyPlan? {
        unchecked { () -> ElementCopyPlan? in
            let fileSize = H5Tget_size(fileType)
            guard fileSize > 0 else { return nil }
            var spans: [Span] = []
            var absent: [ElementLayout.Field] = []
            switch layout.storage {
            case .scalar(let kind):
                guard H5Tequal(fileType, kind.nativeTypeID) > 0, fileSize == kind.byteCount else { return nil }
                spans = [Span(fileOffset: 0, memoryOffset: 0, size: kind.byteCount)]
            case .compound(_, let fields):
                guard H5Tget_class(fileType) == H5T_COMPOUND else { return nil }
                for field in fields {
                    let index = H5Tget_member_index(fileType, field.name)
                    if index < 0, field.absentBytes != nil {
                        absent.append(field)
                        continue
                    }
                    guard index >= 0 else { return nil }
                    let member = H5Tget_member_type(fileType, UInt32(index))
                    guard member >= 0 else { return nil }
                    defer { H5Tclose(member) }
                    let offset = H5Tget_member_offset(fileType, UInt32(index))
                    guard H5Tequal(member, field.kind.nativeTypeID) > 0, offset + field.kind.byteCount <= fileSize
                    else { return nil }
                    spans.append(Span(fileOffset: offset, memoryOffset: field.offset, size: field.kind.byteCount))
                }
            }
            guard spans.allSatisfy({ $0.memoryOffset + $0.size <= memoryStride }) else { return nil }
            return ElementCopyPlan(
                fileSize: fileSize, memoryStride: memoryStride, spans: merged(spans), absent: absent)
        }
    }

    /// Sorts by memory offset and joins spans that continue each other in both the file and memory, so a row type
    /// laid out like its packed file type copies as one span.
    private static func merged(_ spans: [Span]) -> [Span] {
        var result: [Span] = []
        for span in spans.sorted(by: { $0.memoryOffset < $1.memoryOffset }) {
            if var last = result.last, last.fileOffset + last.size == span.fileOffset,
                last.memoryOffset + last.size == span.memoryOffset
            {
                last.size += span.size
                result[result.count - 1] = last
            } else {
                result.append(span)
            }
        }
        return result
    }

    /// Copies `count` stored elements from `source` into memory elements at `destination`.
    func copy(_ count: Int, from source: UnsafeRawPointer, to destination: UnsafeMutableRawPointer) {
        if isIdentity {
            destination.copyMemory(from: source, byteCount: count * fileSize)
            return
        }
        for element in 0..<count {
            let from = source + element * fileSize
            let to = destination + element * memoryStride
            for span in spans {
                (to + span.memoryOffset).copyMemory(from: from + span.fileOffset, byteCount: span.size)
            }
        }
        ElementLayout.fill(absent, count: count, stride: memoryStride, at: destination)
    }
}
