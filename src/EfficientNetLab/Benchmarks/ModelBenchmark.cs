using System.Diagnostics;
using EfficientNetLab.Devices;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace EfficientNetLab.Benchmarks;

/// <summary>
/// Throughput and latency of one batch size: <see cref="ImagesPerSecond"/> from the median pass, which one stalled
/// pass on a busy machine does not move; <see cref="MeanBatchMs"/> is total time over passes, as timm's
/// benchmark.py's samples_per_sec and as an accuracy run's images/s are counted.
/// </summary>
public sealed record BenchResult(string Model, int BatchSize, int ImageSize, string Device, string Dtype, string MemoryFormat,
    int Threads, int Repeats, double MedianBatchMs, double P90BatchMs, double MeanBatchMs, double ImagesPerSecond, string Backend = "libtorch",
    string? BackendReason = null, int? OnnxImagesPerRun = null);

/// <summary>
/// Synthetic-input inference benchmark: warm-up, then timed forward passes, as timm's benchmark.py does. The model
/// runs where it is placed (<see cref="LoadedModel.Place"/>); the benchmark never moves it.
/// </summary>
public static class ModelBenchmark
{
    /// <summary>
    /// Benchmarks a loaded model on the backend <paramref name="backend"/> resolves to (<see cref="BackendChoice"/>;
    /// Auto resolves per batch size, as a run at that batch would). <paramref name="threads"/> sets the intra-op
    /// threads of both backends for the run only: torch's are process-wide, and the caller's setting is back when
    /// this returns or throws. <paramref name="onnxFile"/> runs that export on ONNX Runtime instead of the model's own.
    /// </summary>
    public static IReadOnlyList<BenchResult> Run(LoadedModel loaded, IEnumerable<int> batchSizes, int? imageSize = null,
        InferenceBackend backend = InferenceBackend.Auto, int warmup = 3, int repeats = 10, int? threads = null,
        IProgress<string>? progress = null, CancellationToken cancellationToken = default, Action<string>? log = null,
        string? onnxFile = null)
    {
        int size = imageSize ?? loaded.Preset.CropSize;
        // Before any batch runs; an --onnx file is checked by ONNX Runtime against its own input size.
        if (onnxFile is null) BackendForward.Validate(loaded, backend, size);
        var placement = loaded.Placement;
        int callersThreads = torch.get_num_threads();
        if (threads is int t) torch.set_num_threads(t);
        try
        {
            loaded.Model.eval();
            var results = new List<BenchResult>();
            foreach (int batch in batchSizes)
            {
                using var forward = new BackendForward(loaded, backend, size, batch, log, onnxFile: onnxFile);
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                var x = placement.Input(randn(batch, 3, size, size));
                var times = new List<double>();
                for (int i = 0; i < warmup + repeats; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var clock = Stopwatch.StartNew();
                    using (var y = forward.Forward(x))
                    {
                        // Reading a value waits for queued CUDA kernels, so the time covers the whole pass. As float32:
                        // item<float> refuses a float16 element, and --half never ran.
                        using var first = y[0, 0].to(ScalarType.Float32);
                        first.item<float>();
                    }
                    if (i >= warmup) times.Add(clock.Elapsed.TotalMilliseconds);
                    progress?.Report($"batch {batch}: {(i < warmup ? "warm-up" : "run")} {i + 1}/{warmup + repeats} {clock.Elapsed.TotalMilliseconds:F1} ms");
                }
                double mean = times.Average();
                times.Sort();
                double median = Percentile(times, 0.5);
                results.Add(new BenchResult(loaded.Model.Variant.TorchvisionName, batch, size, placement.Device, placement.DtypeName,
                    placement.MemoryFormat, torch.get_num_threads(), repeats, median, Percentile(times, 0.9), mean, batch / (median / 1000),
                    forward.Choice.Backend.Name(), forward.Choice.Reason, forward.OnnxImagesPerRun));
            }
            return results;
        }
        finally
        {
            torch.set_num_threads(callersThreads);
        }
    }

    private static double Percentile(List<double> sorted, double q)
    {
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
