using System.Security.Cryptography;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Export;

/// <summary>
/// Exports a checkpoint once and keeps the .onnx next to it as <c>&lt;checkpoint&gt;.&lt;sha256[..16]&gt;.onnx</c>:
/// a checkpoint replaced under the same name gets a new file instead of a stale graph. Every cached export uses
/// <see cref="Options"/> (dynamic batch, the preset's crop, the default opset), so any batch size can use it.
/// </summary>
public static class OnnxExportCache
{
    public static OnnxExportOptions Options { get; } = new() { DynamicBatch = true };

    /// <summary>Where the export of this checkpoint is, or will be, cached (reads the whole file to hash it).</summary>
    public static string PathFor(string checkpointPath)
    {
        using var stream = File.OpenRead(checkpointPath);
        var sha = Convert.ToHexStringLower(SHA256.HashData(stream));
        return $"{Path.GetFullPath(checkpointPath)}.{sha[..16]}.onnx";
    }

    /// <summary>The cached export of a model loaded from a file, written first if it is not there yet.</summary>
    public static string GetOrExport(LoadedModel loaded)
    {
        var checkpoint = loaded.WeightsPath ?? throw new ArgumentException(
            "only a model loaded from a checkpoint file can be cached as ONNX (random weights have no file to key it).", nameof(loaded));
        var path = PathFor(checkpoint);
        if (!File.Exists(path)) OnnxExporter.Export(loaded, path, Options);
        return path;
    }
}
