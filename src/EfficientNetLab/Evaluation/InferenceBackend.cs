using System.Runtime.InteropServices;
using EfficientNetLab.Export;
using EfficientNetLab.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace EfficientNetLab.Evaluation;

/// <summary>What runs the network: libtorch through TorchSharp, or ONNX Runtime on the kit's own ONNX export.</summary>
public enum InferenceBackend
{
    /// <summary>
    /// The faster of the two on this machine for this model, batch and input size, by a short measured probe cached
    /// per machine (<see cref="BackendChoice"/>); libtorch wherever ONNX Runtime cannot run the placement.
    /// </summary>
    Auto,
    LibTorch,
    /// <summary>ONNX Runtime on CPU, float32. The export is cached next to the checkpoint, keyed by its hash.</summary>
    OnnxRuntime,
}

public static class InferenceBackends
{
    /// <summary>The name options, summaries and benchmark results use: auto, libtorch or onnxruntime.</summary>
    public static string Name(this InferenceBackend backend) => backend switch
    {
        InferenceBackend.OnnxRuntime => "onnxruntime",
        InferenceBackend.LibTorch => "libtorch",
        _ => "auto",
    };
}

/// <summary>
/// A forward function (N×3×H×W → N×classes logits) for a loaded model on the backend <see cref="BackendChoice"/>
/// picks for the request. Both backends use the run's intra-op thread count, torch's
/// (<c>torch.set_num_threads</c>, the verbs' --threads), read when this is built.
/// </summary>
internal sealed class BackendForward : IDisposable
{
    private readonly OnnxRuntimeModel? onnx;

    public Func<Tensor, Tensor> Forward { get; }

    public BackendChoice Choice { get; }

    /// <summary>Images each ONNX Runtime run is given at most at this crop (<see cref="OnnxRuntimeModel.MaxImagesPerRun"/>); null on libtorch.</summary>
    public int? OnnxImagesPerRun { get; }

    /// <summary>
    /// Whether <paramref name="backend"/> can run <paramref name="loaded"/> as placed at <paramref name="cropSize"/>.
    /// ONNX Runtime runs its export in float32 on the CPU; rather than run somewhere other than the model's
    /// placement says, a model placed elsewhere is refused. Auto never refuses: it falls back to libtorch.
    /// </summary>
    public static void Validate(LoadedModel loaded, InferenceBackend backend, int cropSize)
    {
        if (backend != InferenceBackend.OnnxRuntime) return;
        if (BackendChoice.OnnxRuntimeCannotRun(loaded, cropSize) is { } cannot)
            throw new ArgumentException($"--backend onnxruntime {cannot.Fact}: {cannot.Advice}.");
    }

    /// <param name="batchSize">The batch the run will use, for <see cref="InferenceBackend.Auto"/>'s probe.</param>
    /// <param name="onnxFile">An export to run on ONNX Runtime instead of the model's own (a benchmark's --onnx).</param>
    /// <param name="shard">For one shard of a split run: Auto then never probes (<see cref="BackendChoice.Resolve(LoadedModel, InferenceBackend, int, int, string?, Action{string}?, bool)"/>).</param>
    public BackendForward(LoadedModel loaded, InferenceBackend backend, int cropSize, int batchSize, Action<string>? log = null,
        string? onnxFile = null, bool shard = false)
    {
        int threads = torch.get_num_threads();
        if (onnxFile is not null)
        {
            if (backend == InferenceBackend.LibTorch) throw new ArgumentException($"--onnx {onnxFile} runs on ONNX Runtime, not --backend libtorch.");
            if (!File.Exists(onnxFile)) throw new FileNotFoundException($"--onnx {onnxFile}: file not found.", onnxFile);
            Validate(loaded, InferenceBackend.OnnxRuntime, loaded.Preset.CropSize);
            Choice = new BackendChoice(InferenceBackend.OnnxRuntime, $"forced by --onnx {onnxFile}");
            log?.Invoke($"ONNX Runtime on {onnxFile}, {threads} thread{(threads == 1 ? "" : "s")}");
            onnx = new OnnxRuntimeModel(onnxFile, threads);
        }
        else
        {
            (Choice, onnx) = BackendChoice.Resolve(loaded, backend, batchSize, cropSize, threads, cachePath: null, log, keepOnnx: true, shard);
        }
        if (Choice.Backend == InferenceBackend.LibTorch)
        {
            Forward = loaded.Model.forward;
            return;
        }
        OnnxImagesPerRun = onnx!.MaxImagesPerRun(cropSize, cropSize);
        if (OnnxImagesPerRun < batchSize)
            log?.Invoke($"ONNX Runtime runs each batch of {batchSize} as runs of at most {OnnxImagesPerRun} image{(OnnxImagesPerRun == 1 ? "" : "s")} " +
                        "(runs that small keep their activations in the CPU's caches)");
        Forward = x =>
        {
            // The batch is handed to ONNX Runtime where libtorch keeps it: no managed copy (to_type/cpu/contiguous
            // return x itself when it already is a contiguous float32 CPU tensor, as the kit's batches are).
            using var input = x.to_type(ScalarType.Float32).cpu().contiguous();
            return RunOnnx(MemoryMarshal.Cast<byte, float>(input.bytes), (int)x.shape[0], (int)x.shape[2], (int)x.shape[3]);
        };
    }

    /// <summary>
    /// On ONNX Runtime, the logits of <paramref name="n"/> preprocessed images (N×3×H×W floats) read where they
    /// lie, such as a loader's batch buffer: an accuracy run then copies no batch into a tensor (19 MB, 9–23 ms
    /// of a batch of 32 at 224² on two cores, measured beside the decoders). Null on libtorch, which takes a tensor.
    /// </summary>
    public Tensor? TryRunInPlace(ReadOnlySpan<float> images, int n, int height, int width) =>
        onnx is null ? null : RunOnnx(images, n, height, width);

    /// <summary>The logits are written straight into the tensor returned.</summary>
    private Tensor RunOnnx(ReadOnlySpan<float> images, int n, int height, int width)
    {
        var logits = empty([n, onnx!.NumClasses], ScalarType.Float32);
        onnx.Run(images, n, MemoryMarshal.Cast<byte, float>(logits.bytes), height, width);
        return logits;
    }

    public void Dispose() => onnx?.Dispose();
}
