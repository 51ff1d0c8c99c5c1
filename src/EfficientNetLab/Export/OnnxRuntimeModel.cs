using EfficientNetLab.Weights;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace EfficientNetLab.Export;

/// <summary>
/// An exported EfficientNet (<see cref="OnnxExporter"/>) run by ONNX Runtime on the CPU. Inputs and logits are
/// passed as arrays or spans (a tensor's storage) that ONNX Runtime reads and writes in place: no copies, and a caller that keeps
/// its arrays allocates nothing per batch. Like ONNX Runtime's sessions, it may be run from several threads at once.
/// </summary>
public sealed class OnnxRuntimeModel : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private static readonly string[] InputNames = [OnnxExporter.InputName];
    private static readonly string[] OutputNames = [OnnxExporter.OutputName];

    public string Path { get; }

    /// <summary>Variant, class names and eval preset, as the exporter stored them in metadata_props.</summary>
    public CheckpointMetadata Metadata { get; }

    public string ProducerName { get; }
    public int NumClasses { get; }

    /// <summary>Fixed input dimensions; null where the graph has a symbolic one.</summary>
    public int? FixedBatch { get; }
    public int? FixedHeight { get; }
    public int? FixedWidth { get; }

    /// <param name="intraOpThreads">Threads one inference may use; null lets ONNX Runtime pick (its count of physical cores, which
    /// was one on a 2-vCPU VM: the kit passes its own count).</param>
    public OnnxRuntimeModel(string path, int? intraOpThreads = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        using var options = new SessionOptions
        {
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
        };
        // Within a run ONNX Runtime's threads spin between parallel sections, as plain ONNX Runtime's do. Spinning on
        // after a run only takes the cores from what the kit does between runs (softmax and top-k, decoding the next
        // batch) and from other programs; back-to-back runs (bench) are not slower without it (tests/bench/ort-causes.cs).
        options.AddSessionConfigEntry("session.force_spinning_stop", "1");
        if (intraOpThreads is { } threads)
        {
            if (threads < 1) throw new ArgumentOutOfRangeException(nameof(intraOpThreads), threads, "threads must be at least 1.");
            options.IntraOpNumThreads = threads;
        }
        session = new InferenceSession(Path, options);
        try
        {
            if (!session.InputMetadata.TryGetValue(OnnxExporter.InputName, out var input) ||
                !session.OutputMetadata.TryGetValue(OnnxExporter.OutputName, out var output) ||
                input.Dimensions.Length != 4 || output.Dimensions.Length != 2 || output.Dimensions[1] < 1)
                throw new InvalidDataException(
                    $"{path} is not an EfficientNetLab export: it needs input '{OnnxExporter.InputName}' N×3×H×W and output '{OnnxExporter.OutputName}' N×classes.");
            static int? Fixed(int d) => d < 0 ? null : d;
            FixedBatch = Fixed(input.Dimensions[0]);
            FixedHeight = Fixed(input.Dimensions[2]);
            FixedWidth = Fixed(input.Dimensions[3]);
            NumClasses = output.Dimensions[1];
            var meta = session.ModelMetadata;
            ProducerName = meta.ProducerName;
            Metadata = CheckpointMetadata.FromStringMap(meta.CustomMetadataMap);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Logits for a batch of N×3×H×W images (row-major); H and W default to the graph's fixed size.</summary>
    public float[] Run(float[] input, int batch, int? height = null, int? width = null)
    {
        var logits = new float[batch * NumClasses];
        Run(input, batch, logits, height, width);
        return logits;
    }

    /// <summary>
    /// Writes N×classes logits into the first N·classes elements of <paramref name="logits"/>; the input is the
    /// first N·3·H·W elements of <paramref name="input"/>, so buffers sized for the largest batch can be reused.
    /// </summary>
    public void Run(float[] input, int batch, float[] logits, int? height = null, int? width = null) =>
        Run(input.AsSpan(), batch, logits.AsSpan(), height, width);

    /// <summary>
    /// The most images one ONNX Runtime run is given at <paramref name="height"/>×<paramref name="width"/>: as many
    /// as make 5 MB of input (1.25 M floats), at least one. A larger batch runs as consecutive runs of equal size, so
    /// one run's activations stay in the CPU's caches rather than streaming through memory between layers: on the
    /// two-core EPYC of docs/benchmarks.md, runs of 8 images at 224² (B0) were 13–19 % faster than one run of 32,
    /// runs of 4 at 300² (B3) 22 % faster, runs of 2–4 at 384² (V2-S) 9 % faster; smaller runs lost again (each run
    /// passes over all the weights). libtorch was not faster in smaller batches, so the rule is ONNX Runtime's alone.
    /// Re-measure with <c>tests/bench/ort-images-per-run.cs</c>.
    /// </summary>
    public static int ImagesPerRun(int height, int width) => (int)Math.Max(1, InputFloatsPerRun / (3L * height * width));

    private const long InputFloatsPerRun = 1_250_000;

    /// <summary>The most images <see cref="Run(ReadOnlySpan{float}, int, Span{float}, int?, int?)"/> gives one run of this model: <see cref="ImagesPerRun"/>, or the fixed batch of a model exported for one.</summary>
    public int MaxImagesPerRun(int height, int width) => FixedBatch ?? ImagesPerRun(height, width);

    /// <summary>
    /// As the array overload, on any memory: a contiguous CPU tensor's storage (<c>MemoryMarshal.Cast</c> of its
    /// <c>bytes</c>) is read and written where it lies, so a batch reaches ONNX Runtime without a copy. A batch of
    /// more than <see cref="MaxImagesPerRun"/> images runs as consecutive runs of equal size; each image's logits are
    /// the same either way.
    /// </summary>
    public void Run(ReadOnlySpan<float> input, int batch, Span<float> logits, int? height = null, int? width = null)
    {
        int h = Dimension(height, FixedHeight, "height");
        int w = Dimension(width, FixedWidth, "width");
        if (batch < 1 || (FixedBatch is { } fixedBatch && batch != fixedBatch))
            throw new ArgumentOutOfRangeException(nameof(batch), batch,
                FixedBatch is null ? "batch must be at least 1." : $"this model was exported for batch {FixedBatch} (export with --dynamic-batch for others).");
        long inputLength = (long)batch * 3 * h * w;
        if (input.Length < inputLength)
            throw new ArgumentException($"input holds {input.Length} floats, {batch}×3×{h}×{w} needs {inputLength}.", nameof(input));
        int outputLength = batch * NumClasses;
        if (logits.Length < outputLength)
            throw new ArgumentException($"logits holds {logits.Length} floats, {batch}×{NumClasses} needs {outputLength}.", nameof(logits));

        int perRun = MaxImagesPerRun(h, w), runs = (batch + perRun - 1) / perRun;
        int imageFloats = 3 * h * w, done = 0;
        for (int run = 0; run < runs; run++)
        {
            // Equal runs (10 images at 8 a run: 5 and 5, not 8 and 2): a small last run is the slowest per image.
            int n = (batch - done) / (runs - run);
            RunOnce(input.Slice(done * imageFloats, n * imageFloats), n, logits.Slice(done * NumClasses, n * NumClasses), h, w);
            done += n;
        }
    }

    private unsafe void RunOnce(ReadOnlySpan<float> input, int batch, Span<float> logits, int h, int w)
    {
        long inputLength = input.Length;
        int outputLength = logits.Length;
        fixed (float* inputData = input)
        fixed (float* logitsData = logits)
        {
            using var inputValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                [batch, 3, h, w], (IntPtr)inputData, inputLength * sizeof(float));
            using var outputValue = OrtValue.CreateTensorValueWithData(OrtMemoryInfo.DefaultInstance, TensorElementType.Float,
                [batch, NumClasses], (IntPtr)logitsData, (long)outputLength * sizeof(float));
            session.Run(runOptions, InputNames, [inputValue], OutputNames, [outputValue]);
        }
    }

    private static int Dimension(int? requested, int? fixedValue, string name) => (requested, fixedValue) switch
    {
        (null, null) => throw new ArgumentException($"the model's {name} is dynamic: pass it."),
        (null, { } f) => f,
        ({ } r, { } f) when r != f => throw new ArgumentException($"the model was exported for {name} {f}, not {r}."),
        ({ } r, _) when r < 1 => throw new ArgumentOutOfRangeException(name, r, $"{name} must be positive."),
        ({ } r, _) => r,
    };

    public void Dispose()
    {
        session.Dispose();
        runOptions.Dispose();
    }
}
