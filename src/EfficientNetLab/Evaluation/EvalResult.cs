using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Devices;
using EfficientNetLab.Imaging;
using EfficientNetLab.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace EfficientNetLab.Evaluation;

/// <summary>The outcome of an accuracy run: timm's summary fields plus per-class, confusion and calibration detail.</summary>
public sealed class EvalResult
{
    private readonly LoadedModel loaded;
    private readonly EvalOptions options;
    private readonly Device device;
    private readonly string deviceName;
    private readonly int? retryBatch;

    internal EvalResult(LoadedModel loaded, EvalPreset preset, EvalOptions options, Device device, string deviceName, MetricsAccumulator metrics,
        IReadOnlyList<Prediction> misclassified, IReadOnlyList<SkippedFile> skipped, int datasetSize, long imagesThisRun,
        TimeSpan wall, TimeSpan dataWait, bool completed, long peakMemoryBytes, int? retryBatch, DecoderKind decoder, MonitorSummary monitor)
    {
        this.loaded = loaded;
        this.options = options;
        this.device = device;
        this.deviceName = deviceName;
        this.retryBatch = retryBatch;
        Monitor = monitor;
        Preset = preset;
        Metrics = metrics;
        Misclassified = misclassified;
        Skipped = skipped;
        DatasetSize = datasetSize;
        ImagesThisRun = imagesThisRun;
        WallTime = wall;
        DataWait = dataWait;
        Completed = completed;
        PeakMemoryBytes = peakMemoryBytes;
        Decoder = decoder;
    }

    public EvalPreset Preset { get; }
    public MetricsAccumulator Metrics { get; }
    public IReadOnlyList<Prediction> Misclassified { get; }
    public IReadOnlyList<SkippedFile> Skipped { get; }
    public int DatasetSize { get; }
    public long ImagesThisRun { get; }
    public TimeSpan WallTime { get; }
    /// <summary>Time the model spent waiting for the loader: large means the accelerator is starved.</summary>
    public TimeSpan DataWait { get; }
    public bool Completed { get; }
    public long PeakMemoryBytes { get; }
    public DecoderKind Decoder { get; }
    /// <summary>Peak and mean CPU, memory and GPU load sampled during the run (monitor.csv has every sample).</summary>
    public MonitorSummary Monitor { get; }
    public IReadOnlyList<string> ClassNames => loaded.ClassNames;
    public double ImagesPerSecond => WallTime.TotalSeconds > 0 ? ImagesThisRun / WallTime.TotalSeconds : 0;
    public double DataWaitFraction => WallTime.TotalSeconds > 0 ? DataWait.TotalSeconds / WallTime.TotalSeconds : 0;

    public JsonObject ToJson()
    {
        var m = Metrics;
        var (t1Low, t1High) = m.Top1.Wilson95;
        var (t5Low, t5High) = m.Top5.Wilson95;
        var perClass = m.PerClass(loaded.ClassNames);
        var o = new JsonObject
        {
            ["model"] = loaded.Model.Variant.TorchvisionName,
            ["weights"] = loaded.WeightsDescription,
            ["completed"] = Completed,
            ["top1"] = Pct(m.Top1.Value),
            ["top1_err"] = Pct(1 - m.Top1.Value),
            ["top5"] = Pct(m.Top5.Value),
            ["top5_err"] = Pct(1 - m.Top5.Value),
            ["top1_ci95"] = new JsonArray(Pct(t1Low), Pct(t1High)),
            ["top5_ci95"] = new JsonArray(Pct(t5Low), Pct(t5High)),
            ["param_count"] = Math.Round(loaded.Model.ParameterCount / 1e6, 3),
            ["img_size"] = Preset.CropSize,
            ["resize_size"] = Preset.ResizeSize,
            ["crop_pct"] = Math.Round(Preset.CropPct, 4),
            ["interpolation"] = Preset.Interpolation.ToString().ToLowerInvariant(),
            ["mean"] = new JsonArray(Preset.Mean.Select(v => (JsonNode)v).ToArray()),
            ["std"] = new JsonArray(Preset.Std.Select(v => (JsonNode)v).ToArray()),
            ["decoder"] = Decoder.ToString().ToLowerInvariant(),
            ["images"] = m.Images,
            ["dataset_size"] = DatasetSize,
            ["skipped"] = Skipped.Count,
            ["images_per_s"] = Math.Round(ImagesPerSecond, 2),
            ["batch_size"] = options.BatchSize,
            ["retry_batch_size"] = retryBatch,
            ["workers"] = options.Workers,
            ["backend"] = options.Backend == InferenceBackend.OnnxRuntime ? "onnxruntime" : "libtorch",
            ["dtype"] = options.Half ? "float16" : "float32",
            ["memory_format"] = options.ChannelsLast ? "channels_last" : "contiguous",
            ["device"] = device.ToString(),
            ["device_name"] = deviceName,
            ["peak_memory_mb"] = Math.Round(PeakMemoryBytes / 1048576.0, 1),
            ["wall_time_s"] = Math.Round(WallTime.TotalSeconds, 3),
            ["data_wait_fraction"] = Math.Round(DataWaitFraction, 4),
            ["monitor"] = Monitor.ToJson(),
            ["published_top1"] = loaded.Published?.Acc1,
            ["published_top5"] = loaded.Published?.Acc5,
            ["ece"] = Math.Round(m.ExpectedCalibrationError, 5),
            ["reliability"] = new JsonArray(m.Reliability().Select(b => (JsonNode)new JsonObject
            {
                ["low"] = b.Low, ["high"] = b.High, ["count"] = b.Count,
                ["confidence"] = Math.Round(b.MeanConfidence, 5), ["accuracy"] = Math.Round(b.Accuracy, 5),
            }).ToArray()),
            ["worst_classes"] = new JsonArray(perClass.Where(c => c.Support > 0).OrderBy(c => c.Accuracy).ThenBy(c => c.Index).Take(10)
                .Select(c => (JsonNode)ClassJson(c)).ToArray()),
            ["most_confused"] = new JsonArray(m.Confusions().Take(10).Select(c => (JsonNode)new JsonObject
            {
                ["actual"] = c.Actual, ["actual_name"] = loaded.ClassNames[c.Actual],
                ["predicted"] = c.Predicted, ["predicted_name"] = loaded.ClassNames[c.Predicted], ["count"] = c.Count,
            }).ToArray()),
            ["misclassified"] = new JsonArray(Misclassified.Select(p => (JsonNode)new JsonObject
            {
                ["path"] = p.Path, ["label"] = p.Label,
                ["top"] = new JsonArray(p.TopIndices.Select((c, i) => (JsonNode)new JsonObject
                {
                    ["index"] = c, ["label"] = loaded.ClassNames[c], ["probability"] = p.TopProbabilities[i],
                }).ToArray()),
            }).ToArray()),
            ["skipped_files"] = new JsonArray(Skipped.Select(s => (JsonNode)new JsonObject { ["path"] = s.Path, ["reason"] = s.Reason }).ToArray()),
        };
        return o;
    }

    private static double Pct(double fraction) => Math.Round(100 * fraction, 3);

    private static JsonObject ClassJson(ClassMetrics c) => new()
    {
        ["index"] = c.Index, ["name"] = c.Name, ["support"] = c.Support, ["accuracy"] = Math.Round(c.Accuracy, 5),
        ["precision"] = Math.Round(c.Precision, 5), ["recall"] = Math.Round(c.Recall, 5), ["f1"] = Math.Round(c.F1, 5),
    };

    /// <summary>summary.json, per_class.csv and confusion.csv (sparse: actual,predicted,count) in the run's folder.</summary>
    public void WriteFiles(string dir)
    {
        File.WriteAllText(Path.Combine(dir, "summary.json"), ToJson().ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        var perClass = new StringBuilder("index,name,support,predicted,correct,accuracy,precision,recall,f1\n");
        foreach (var c in Metrics.PerClass(loaded.ClassNames).Where(c => c.Support > 0 || c.Predicted > 0))
            perClass.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Index},\"{c.Name.Replace("\"", "\"\"")}\",{c.Support},{c.Predicted},{c.Correct},{c.Accuracy:0.#####},{c.Precision:0.#####},{c.Recall:0.#####},{c.F1:0.#####}"));
        File.WriteAllText(Path.Combine(dir, "per_class.csv"), perClass.ToString());
        var confusion = new StringBuilder("actual,predicted,count\n");
        foreach (var c in Metrics.PerClass(loaded.ClassNames).Where(c => c.Correct > 0)) confusion.AppendLine($"{c.Index},{c.Index},{c.Correct}");
        foreach (var (a, p, n) in Metrics.Confusions()) confusion.AppendLine($"{a},{p},{n}");
        File.WriteAllText(Path.Combine(dir, "confusion.csv"), confusion.ToString());
    }
}
