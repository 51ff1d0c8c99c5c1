using System.Diagnostics;
using EfficientNetLab.Devices;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Weights;
using EfficientNetLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace EfficientNetLab.Benchmarks;

/// <summary>
/// Throughput and latency of one batch size: <see cref="ImagesPerSecond"/> from the median pass, which one stalled
/// pass on a busy machine does not move; <see cref="MeanBatchMs"/> is total time over passes, as timm's
/// benchmark.py's samples_per_sec and as an accuracy run's images/s are counted.
/// </summary>
public sealed record BenchResult(string Model, int BatchSize, int ImageSize, string Device, string Dtype, string MemoryFormat,
    int Threads, int Repeats, double MedianBatchMs, double P90BatchMs, double MeanBatchMs, double ImagesPerSecond, string Backend = "libtorch");

/// <summary>Synthetic-input inference benchmark: warm-up, then timed forward passes, as timm's benchmark.py does.</summary>
public static class ModelBenchmark
{
    /// <summary>Benchmarks a loaded model on libtorch or, with <paramref name="backend"/>, on ONNX Runtime (CPU, float32).</summary>
    public static IReadOnlyList<BenchResult> Run(LoadedModel loaded, IEnumerable<int> batchSizes, int? imageSize = null,
        InferenceBackend backend = InferenceBackend.LibTorch, string device = "auto", bool half = false, bool channelsLast = false,
        int warmup = 3, int repeats = 10, int? threads = null, IProgress<string>? progress = null, CancellationToken cancellationToken = default)
    {
        if (backend == InferenceBackend.LibTorch)
            return Run(loaded.Model, batchSizes, imageSize ?? loaded.Preset.CropSize, device, half, channelsLast, warmup, repeats, threads, progress, cancellationToken);
        using var forward = new BackendForward(loaded, backend, imageSize ?? loaded.Preset.CropSize);
        return Run(loaded.Model, batchSizes, imageSize ?? loaded.Preset.CropSize, "cpu", false, false, warmup, repeats, threads, progress,
            cancellationToken, forward.Forward, "onnxruntime");
    }

    public static IReadOnlyList<BenchResult> Run(EfficientNet model, IEnumerable<int> batchSizes, int imageSize, string device = "auto",
        bool half = false, bool channelsLast = false, int warmup = 3, int repeats = 10, int? threads = null,
        IProgress<string>? progress = null, CancellationToken cancellationToken = default, Func<Tensor, Tensor>? forward = null,
        string backendName = "libtorch")
    {
        forward ??= model.forward;
        if (threads is int t) torch.set_num_threads(t);
        var dev = ComputeDevice.Resolve(device);
        model.eval();
        model.to(dev);
        if (half) model.half();
        var results = new List<BenchResult>();
        foreach (int batch in batchSizes)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = randn(batch, 3, imageSize, imageSize);
            if (channelsLast) x = x.ToChannelsLast();
            x = x.to(dev);
            if (half) x = x.half();
            var times = new List<double>();
            for (int i = 0; i < warmup + repeats; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                using (var y = forward(x))
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
            results.Add(new BenchResult(model.Variant.TorchvisionName, batch, imageSize, dev.ToString(), half ? "float16" : "float32",
                channelsLast ? "channels_last" : "contiguous", torch.get_num_threads(), repeats, median, Percentile(times, 0.9), mean, batch / (median / 1000), backendName));
        }
        return results;
    }

    private static double Percentile(List<double> sorted, double q)
    {
        double pos = q * (sorted.Count - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }
}
