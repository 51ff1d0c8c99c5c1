using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using EfficientNetLab.Devices;
using EfficientNetLab.Export;
using EfficientNetLab.Weights;
using Microsoft.ML.OnnxRuntime;
using TorchSharp;
using static TorchSharp.torch;

namespace EfficientNetLab.Evaluation;

/// <summary>Images/s of both backends on synthetic input, as <see cref="BackendChoice"/> measured them.</summary>
/// <param name="Cached">Read from the probe cache rather than measured by this process.</param>
public sealed record BackendProbe(double LibTorchImagesPerSecond, double OnnxRuntimeImagesPerSecond, int BatchSize, int ImageSize, int Threads,
    bool Cached)
{
    public JsonObject ToJson() => new()
    {
        ["libtorch_images_per_s"] = LibTorchImagesPerSecond, ["onnxruntime_images_per_s"] = OnnxRuntimeImagesPerSecond,
        ["batch_size"] = BatchSize, ["img_size"] = ImageSize, ["threads"] = Threads, ["cached"] = Cached,
    };
}

/// <summary>
/// The backend a run uses and why: the one owner of that decision, which the CLI's verbs, the notebook magics and
/// the C# API (<see cref="Evaluator"/>, <see cref="Predictor"/>, <see cref="Benchmarks.ModelBenchmark"/>) all ask.
/// A forced backend is taken as given. <see cref="InferenceBackend.Auto"/> is libtorch wherever ONNX Runtime cannot
/// run the model as placed (CUDA, float16, channels-last, a crop the cached export was not made for); on a float32
/// CPU placement it is the faster backend by a short probe — a warm-up and a few forward passes of each at the
/// run's batch and input size, a few seconds for B0 — cached per machine, library versions, architecture, batch,
/// input size and threads in <see cref="DefaultCachePath"/>, so it runs once.
/// </summary>
public sealed record BackendChoice(InferenceBackend Backend, string Reason, BackendProbe? Probe = null)
{
    /// <summary>
    /// How much faster ONNX Runtime must probe to be picked: libtorch is the backend the parity tests hold to
    /// torchvision's logits, so ONNX Runtime has to win by more than a probe's noise on a shared machine.
    /// </summary>
    public const double OnnxRuntimeMargin = 1.05;

    /// <summary>Timed passes stop after this long (each backend gets at least one after its warm-up).</summary>
    private static readonly TimeSpan ProbeBudget = TimeSpan.FromSeconds(3);
    private const int ProbePasses = 3;

    /// <summary><c>$XDG_CACHE_HOME/effnet/backend-probe.json</c>, or <c>~/.cache/effnet/backend-probe.json</c>.</summary>
    public static string DefaultCachePath
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (string.IsNullOrEmpty(xdg)) xdg = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(xdg, "effnet", "backend-probe.json");
        }
    }

    /// <summary>"onnxruntime (auto: …)": the line the CLI prints and the summary's backend_reason.</summary>
    public override string ToString() => $"{Backend.Name()} ({Reason})";

    public JsonObject ToJson() => new() { ["backend"] = Backend.Name(), ["reason"] = Reason, ["probe"] = Probe?.ToJson() };

    /// <summary>
    /// The backend <paramref name="requested"/> resolves to for <paramref name="loaded"/> as placed, at this batch
    /// and input size with torch's intra-op threads; probes (and caches) when Auto has no cached answer.
    /// </summary>
    /// <param name="shard">For one shard of a run split over processes or machines (<see cref="EvalOptions.Shard"/>).</param>
    public static BackendChoice Resolve(LoadedModel loaded, InferenceBackend requested, int batchSize, int imageSize,
        string? cachePath = null, Action<string>? log = null, bool shard = false)
    {
        var (choice, onnx) = Resolve(loaded, requested, batchSize, imageSize, torch.get_num_threads(), cachePath, log, keepOnnx: false, shard);
        onnx?.Dispose();
        return choice;
    }

    /// <summary>As the public overload; with <paramref name="keepOnnx"/> the ONNX Runtime session the choice runs on is handed over.</summary>
    internal static (BackendChoice Choice, OnnxRuntimeModel? Onnx) Resolve(LoadedModel loaded, InferenceBackend requested, int batchSize,
        int imageSize, int threads, string? cachePath, Action<string>? log, bool keepOnnx, bool shard = false)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "batch size must be at least 1.");
        switch (requested)
        {
            case InferenceBackend.LibTorch:
                return (new BackendChoice(requested, "forced by --backend libtorch"), null);
            case InferenceBackend.OnnxRuntime:
                BackendForward.Validate(loaded, requested, imageSize);
                return (new BackendChoice(requested, "forced by --backend onnxruntime"), keepOnnx ? Open(loaded, threads, log) : null);
        }
        if (OnnxRuntimeCannotRun(loaded, imageSize) is { } cannot)
            return (Logged(new BackendChoice(InferenceBackend.LibTorch, $"auto, no probe: ONNX Runtime {cannot.Fact}"), log), null);
        // Each machine's probe could answer differently, and eval merge refuses shards run on different backends.
        if (shard)
            return (Logged(new BackendChoice(InferenceBackend.LibTorch,
                "auto, no probe: every shard of a run must use the same backend (--backend onnxruntime runs them all on ONNX Runtime)"), log), null);

        cachePath ??= DefaultCachePath;
        var key = CacheKey(loaded, batchSize, imageSize, threads);
        var cache = ReadCache(cachePath, log);
        OnnxRuntimeModel? onnx = null;
        BackendProbe probe;
        if (cache.TryGetPropertyValue(key, out var entry) && Cached(entry, batchSize, imageSize, threads) is { } hit)
        {
            probe = hit;
        }
        else
        {
            try
            {
                onnx = Open(loaded, threads, log);
                probe = Measure(loaded, onnx, batchSize, imageSize, threads);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Auto was asked for the faster backend, not for ONNX Runtime: a run it cannot do is libtorch's (not cached,
                // so the next run tries again).
                onnx?.Dispose();
                return (Logged(new BackendChoice(InferenceBackend.LibTorch, $"auto, probe failed: ONNX Runtime: {e.Message}"), log), null);
            }
            cache[key] = new JsonObject
            {
                ["libtorch_images_per_s"] = probe.LibTorchImagesPerSecond, ["onnxruntime_images_per_s"] = probe.OnnxRuntimeImagesPerSecond,
                ["measured_utc"] = DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            };
            WriteCache(cachePath, cache, log);
        }
        bool useOnnx = probe.OnnxRuntimeImagesPerSecond >= OnnxRuntimeMargin * probe.LibTorchImagesPerSecond;
        var choice = Logged(new BackendChoice(useOnnx ? InferenceBackend.OnnxRuntime : InferenceBackend.LibTorch,
            FormattableString.Invariant(
                $"auto: onnxruntime {probe.OnnxRuntimeImagesPerSecond:F1} img/s, libtorch {probe.LibTorchImagesPerSecond:F1} img/s at batch {batchSize}, ") +
            $"{imageSize}², {threads} thread{(threads == 1 ? "" : "s")}, " +
            (probe.Cached ? $"probe cached in {cachePath}" : "probed now") +
            (useOnnx ? "" : FormattableString.Invariant($"; onnxruntime is picked only when {OnnxRuntimeMargin:0.00}× faster")), probe), log);
        if (!useOnnx || !keepOnnx)
        {
            onnx?.Dispose();
            return (choice, null);
        }
        return (choice, onnx ?? Open(loaded, threads, log));
    }

    /// <summary>
    /// Why ONNX Runtime cannot run <paramref name="loaded"/> as placed at <paramref name="cropSize"/> (a fact and
    /// what to do about it), or null when it can: it runs the cached float32 export on the CPU.
    /// </summary>
    internal static (string Fact, string Advice)? OnnxRuntimeCannotRun(LoadedModel loaded, int cropSize)
    {
        var placement = loaded.Placement;
        if (placement.IsCuda || placement.Half || placement.ChannelsLast)
            return ($"runs float32 on the CPU, but the model is placed on {placement}",
                "place it with --device cpu and without --half and --channels-last");
        if (cropSize != loaded.Preset.CropSize)
            return ($"runs the cached export at the weights' crop size {loaded.Preset.CropSize}, not {cropSize}",
                $"--img-size {cropSize} needs the libtorch backend (or export-onnx --dynamic-size)");
        return null;
    }

    private static BackendChoice Logged(BackendChoice choice, Action<string>? log)
    {
        log?.Invoke($"backend: {choice}");
        return choice;
    }

    /// <summary>The ONNX Runtime session on the export: cached next to a checkpoint; random weights have no file, so a temporary one.</summary>
    private static OnnxRuntimeModel Open(LoadedModel loaded, int threads, Action<string>? log)
    {
        if (loaded.WeightsPath is not null)
        {
            var cached = OnnxExportCache.GetOrExport(loaded);
            log?.Invoke($"ONNX Runtime on {cached}, {threads} thread{(threads == 1 ? "" : "s")}");
            return new OnnxRuntimeModel(cached, threads);
        }
        var path = Path.Combine(Path.GetTempPath(), $"effnet-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExporter.Export(loaded, path, OnnxExportCache.Options);
            log?.Invoke($"ONNX Runtime on an export of {loaded.WeightsDescription}, {threads} thread{(threads == 1 ? "" : "s")}");
            return new OnnxRuntimeModel(path, threads);
        }
        finally
        {
            // The session holds the whole graph once it is created.
            File.Delete(path);
        }
    }

    /// <summary>
    /// A warm-up pass of each backend (oneDNN builds its primitives, ONNX Runtime plans its memory), then passes
    /// taking turns, so a burst of load elsewhere hits both; each backend's fastest pass counts, as the one least
    /// disturbed by whatever else the machine runs.
    /// </summary>
    private static BackendProbe Measure(LoadedModel loaded, OnnxRuntimeModel onnx, int batch, int size, int threads)
    {
        var model = loaded.Model;
        bool training = model.training;
        model.eval();
        try
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = randn(batch, 3, size, size);
            var logits = new float[batch * onnx.NumClasses];
            double Torch()
            {
                var clock = Stopwatch.StartNew();
                using (model.forward(x)) { }
                return clock.Elapsed.TotalSeconds;
            }
            double Onnx()
            {
                var clock = Stopwatch.StartNew();
                onnx.Run(MemoryMarshal.Cast<byte, float>(x.bytes), batch, logits, size, size);
                return clock.Elapsed.TotalSeconds;
            }
            Torch();
            Onnx();
            double torchBest = double.MaxValue, onnxBest = double.MaxValue;
            var budget = Stopwatch.StartNew();
            for (int pass = 0; pass < ProbePasses && (pass == 0 || budget.Elapsed < ProbeBudget); pass++)
            {
                torchBest = Math.Min(torchBest, Torch());
                onnxBest = Math.Min(onnxBest, Onnx());
            }
            return new BackendProbe(Math.Round(batch / torchBest, 1), Math.Round(batch / onnxBest, 1), batch, size, threads, Cached: false);
        }
        finally
        {
            if (training) model.train();
        }
    }

    /// <summary>
    /// What the probe's answer depends on: the machine (CPU model, cores), the libraries (TorchSharp, libtorch,
    /// ONNX Runtime), the architecture (variant and class count: the weights' values do not change the work, so a
    /// fine-tuned checkpoint shares its base's entry), batch size, input size, threads, and how many images ONNX Runtime
    /// is given a run (<see cref="OnnxRuntimeModel.ImagesPerRun"/>: a probe from before that rule measured whole batches).
    /// </summary>
    internal static string CacheKey(LoadedModel loaded, int batchSize, int imageSize, int threads) => string.Join('|',
        $"cpu={ProcFs.CpuModel() ?? RuntimeInformation.ProcessArchitecture.ToString()}", $"cores={Environment.ProcessorCount}",
        $"torchsharp={Version(typeof(torch).Assembly)}", $"libtorch={LibTorchVersion}", $"onnxruntime={OnnxRuntimeVersion}",
        $"model={loaded.Model.Variant.Name}", $"classes={loaded.Model.NumClasses}", $"batch={batchSize}", $"size={imageSize}", $"threads={threads}",
        $"onnx_images_per_run={OnnxRuntimeModel.ImagesPerRun(imageSize, imageSize)}");

    private static string Version(Assembly assembly) =>
        assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "?";

    private static string LibTorchVersion => typeof(BackendChoice).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == "LibTorchVersion")?.Value ?? "?";

    private static readonly Lazy<string> OnnxRuntimeVersionValue = new(() => OrtEnv.Instance().GetVersionString());
    private static string OnnxRuntimeVersion => OnnxRuntimeVersionValue.Value;

    private static BackendProbe? Cached(JsonNode? entry, int batch, int size, int threads)
    {
        try
        {
            double torchRate = entry!["libtorch_images_per_s"]!.GetValue<double>(), onnxRate = entry["onnxruntime_images_per_s"]!.GetValue<double>();
            return torchRate > 0 && onnxRate > 0 ? new BackendProbe(torchRate, onnxRate, batch, size, threads, Cached: true) : null;
        }
        catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    /// <summary>The cache's entries by key; a file that is not one is reported and treated as empty (and replaced on the next write).</summary>
    private static JsonObject ReadCache(string path, Action<string>? log)
    {
        if (!File.Exists(path)) return [];
        try
        {
            if (JsonNode.Parse(File.ReadAllText(path)) is JsonObject root && root["entries"] is JsonObject entries)
            {
                root.Remove("entries");
                return entries;
            }
            log?.Invoke($"warning: ignoring the backend probe cache {path}: it is not {{\"entries\": {{...}}}}; probing again");
        }
        catch (Exception e) when (e is JsonException or IOException or UnauthorizedAccessException)
        {
            log?.Invoke($"warning: ignoring the backend probe cache {path}: {e.Message}; probing again");
        }
        return [];
    }

    /// <summary>Written whole to a temporary file and renamed, so a run reading it meanwhile sees the old or the new file.</summary>
    private static void WriteCache(string path, JsonObject entries, Action<string>? log)
    {
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var temp = $"{path}.{Environment.ProcessId}.tmp";
            File.WriteAllText(temp, new JsonObject { ["entries"] = entries }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            File.Move(temp, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log?.Invoke($"warning: could not write the backend probe cache {path}: {e.Message}; the next run probes again");
        }
    }
}
