import Foundation

/// The weights of a Hugging Face model folder: one `model.safetensors`, or shards listed by
/// `model.safetensors.index.json` (its `weight_map` names the file of every tensor).
public final class SafetensorsCheckpoint: @unchecked Sendable {
    public let folder: String
    public let files: [SafetensorsFile]
    private let location: [String: (file: Int, info: SafetensorsFile.TensorInfo)]

    public init(folder: String) throws {
        self.folder = folder
        let fm = FileManager.default
        let url = URL(fileURLWithPath: folder)
        let indexPath = url.appendingPathComponent("model.safetensors.index.json").path
        var names: [String]
        var expected: [String: String] = [:]   // tensor → shard file, when an index says so
        if fm.fileExists(atPath: indexPath) {
            guard let data = fm.contents(atPath: indexPath),
                  let root = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any],
                  let map = root["weight_map"] as? [String: String] else {
                throw ModelIOError(indexPath, "not a safetensors index (no \"weight_map\" object of tensor → file)")
            }
            expected = map
            names = Array(Set(map.values)).sorted()
            for name in names where name.contains("/") || name.hasPrefix(".") {
                throw ModelIOError(indexPath, "weight_map names \"\(name)\", which is not a file inside the folder")
            }
        } else if fm.fileExists(atPath: url.appendingPathComponent("model.safetensors").path) {
            names = ["model.safetensors"]
        } else {
            names = ((try? fm.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".safetensors") }.sorted()
            guard !names.isEmpty else {
                throw ModelIOError(folder, "no model.safetensors, model.safetensors.index.json or other .safetensors file in the folder")
            }
        }
        var files: [SafetensorsFile] = []
        var location: [String: (file: Int, info: SafetensorsFile.TensorInfo)] = [:]
        for name in names {
            let path = url.appendingPathComponent(name).path
            guard fm.fileExists(atPath: path) else {
                throw ModelIOError(path, "no such file (listed in model.safetensors.index.json)")
            }
            let file = try SafetensorsFile(path: path)
            for t in file.tensors {
                if location[t.name] != nil { throw ModelIOError(path, "tensor \(t.name) is stored twice in the checkpoint") }
                location[t.name] = (files.count, t)
            }
            files.append(file)
        }
        for (tensor, shard) in expected.sorted(by: { $0.key < $1.key }) {
            guard let at = location[tensor], files[at.file].path.hasSuffix("/" + shard) else {
                throw ModelIOError(url.appendingPathComponent(shard).path, "has no tensor \(tensor), which model.safetensors.index.json puts there")
            }
        }
        self.files = files
        self.location = location
    }

    public var tensorNames: [String] { location.keys.sorted() }

    public subscript(tensor name: String) -> SafetensorsFile.TensorInfo? { location[name]?.info }

    /// A BF16 or F16 tensor's values in place in its file's map (nil for other types, or when the data is
    /// not 2-byte aligned), with the file that keeps the map alive.
    public func sixteenBit(_ name: String) -> (bf16: Bool, values: UnsafePointer<UInt16>, count: Int, owner: AnyObject)? {
        guard let at = location[name], at.info.dtype != .f32 else { return nil }
        let file = files[at.file], raw = file.file.bytes(at.info.range)
        guard let base = raw.baseAddress, Int(bitPattern: base) % 2 == 0, raw.count == 2 * at.info.elementCount else { return nil }
        return (at.info.dtype == .bf16, base.assumingMemoryBound(to: UInt16.self), at.info.elementCount, file)
    }

    /// Converts one tensor to Float32 into `dst`.
    public func read(_ name: String, into dst: UnsafeMutableBufferPointer<Float>) throws {
        guard let at = location[name] else { throw ModelIOError(folder, "missing tensor \(name)") }
        files[at.file].read(at.info, into: dst)
    }
}
