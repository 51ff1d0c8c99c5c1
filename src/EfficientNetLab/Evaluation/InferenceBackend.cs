using EfficientNetLab.Export;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

namespace EfficientNetLab.Evaluation;

/// <summary>What runs the network: libtorch through TorchSharp, or ONNX Runtime on the kit's own ONNX export.</summary>
public enum InferenceBackend
{
    LibTorch,
    /// <summary>
    /// ONNX Runtime on CPU: measured 3–4× libtorch's throughput for EfficientNet-B0 on this project's 2-core
    /// machines. The export is cached next to the checkpoint, keyed by its hash.
    /// </summary>
    OnnxRuntime,
}

public static class InferenceBackends
{
    /// <summary>The name summaries and benchmark results record: libtorch or onnxruntime.</summary>
    public static string Name(this InferenceBackend backend) => backend == InferenceBackend.OnnxRuntime ? "onnxruntime" : "libtorch";
}

/// <summary>A forward function (N×3×H×W → N×classes logits) for a loaded model on the chosen backend.</summary>
internal sealed class BackendForward : IDisposable
{
    private readonly OnnxRuntimeModel? onnx;

    public Func<Tensor, Tensor> Forward { get; }

    /// <summary>
    /// Whether <paramref name="backend"/> can run <paramref name="loaded"/> as placed at <paramref name="cropSize"/>.
    /// ONNX Runtime runs its export in float32 on the CPU; rather than run somewhere other than the model's
    /// placement says, a model placed elsewhere is refused.
    /// </summary>
    public static void Validate(LoadedModel loaded, InferenceBackend backend, int cropSize)
    {
        if (backend == InferenceBackend.LibTorch) return;
        var placement = loaded.Placement;
        if (placement.IsCuda || placement.Half || placement.ChannelsLast)
            throw new ArgumentException($"--backend onnxruntime runs float32 on the CPU, but the model is placed on {placement}: " +
                                        "place it with --device cpu and without --half and --channels-last.");
        if (cropSize != loaded.Preset.CropSize)
            throw new ArgumentException($"--backend onnxruntime runs the cached export at the weights' crop size {loaded.Preset.CropSize}; " +
                                        $"--img-size {cropSize} needs the libtorch backend (or export-onnx --dynamic-size).");
    }

    public BackendForward(LoadedModel loaded, InferenceBackend backend, int cropSize, Action<string>? log = null)
    {
        Validate(loaded, backend, cropSize);
        if (backend == InferenceBackend.LibTorch)
        {
            Forward = loaded.Model.forward;
            return;
        }
        // Random weights have no checkpoint to cache the export next to: export them to a temporary file.
        string path;
        if (loaded.WeightsPath is null)
        {
            path = Path.Combine(Path.GetTempPath(), $"effnet-{Guid.NewGuid():N}.onnx");
            OnnxExporter.Export(loaded, path, OnnxExportCache.Options);
        }
        else
        {
            path = OnnxExportCache.GetOrExport(loaded);
        }
        log?.Invoke($"ONNX Runtime on {path}");
        var model = new OnnxRuntimeModel(path);
        onnx = model;
        Forward = x =>
        {
            int n = (int)x.shape[0];
            using var contiguous = x.to_type(ScalarType.Float32).cpu().contiguous();
            var logits = model.Run(contiguous.data<float>().ToArray(), n, (int)x.shape[2], (int)x.shape[3]);
            return tensor(logits, [n, model.NumClasses]);
        };
    }

    public void Dispose() => onnx?.Dispose();
}
