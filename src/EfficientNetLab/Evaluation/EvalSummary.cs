using System.Text.Json;
using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Devices;
using EfficientNetLab.Imaging;

namespace EfficientNetLab.Evaluation;

/// <summary>What was evaluated: torchvision's model name, the weights, and torchvision's published accuracy for them.</summary>
public sealed record EvalModelInfo(string Name, string Weights, double ParamCountMillions, double? PublishedTop1, double? PublishedTop5);

/// <summary>A top-k accuracy in percent, as reported: value, error rate and the 95% Wilson interval.</summary>
public sealed record AccuracyPercent(double Value, double Error, double Low, double High)
{
    public static AccuracyPercent Of(Proportion p)
    {
        var (low, high) = p.Wilson95;
        return new(Pct(p.Value), Pct(1 - p.Value), Pct(low), Pct(high));
    }

    private static double Pct(double fraction) => Math.Round(100 * fraction, 3);
}

/// <summary>How many images there were, were evaluated and were skipped; how many classes the data has and how they were mapped.</summary>
public sealed record EvalCounts(long Images, int DatasetSize, int Skipped, int DatasetClasses, LabelMapping? ClassMapping)
{
    /// <summary>The mapping's name as the summary records it: the enum member in snake_case (<c>class_names</c>), or null when the caller gave labelled samples.</summary>
    public string? ClassMappingName => ClassMapping?.Name();

    /// <summary>"10 classes, mapped by class_names": the line the CLI and #!accuracy print.</summary>
    public string ClassesDescription => $"{DatasetClasses} classes, mapped by {ClassMappingName ?? "the caller's labels"}";
}

/// <summary>
/// Where and how fast the run ran; <paramref name="BackendReason"/> and <paramref name="BackendProbe"/> say why on that
/// backend (<see cref="BackendChoice"/>); <paramref name="OnnxImagesPerRun"/> is how many images each ONNX Runtime run
/// was given (<see cref="Export.OnnxRuntimeModel.ImagesPerRun"/>), null on libtorch.
/// </summary>
public sealed record EvalThroughput(InferenceBackend Backend, ModelPlacement Placement, string DeviceName, double ImagesPerSecond, int BatchSize,
    int? RetryBatchSize, int Workers, double PeakMemoryMb, double WallTimeSeconds, double DataWaitFraction,
    string? BackendReason = null, BackendProbe? BackendProbe = null, int? OnnxImagesPerRun = null)
{
    public string BackendName => Backend.Name();
}

/// <summary>A pair of classes the model confused.</summary>
public sealed record ConfusedPair(int Actual, string ActualName, int Predicted, string PredictedName, long Count);

/// <summary>A misclassified image with the model's top classes.</summary>
public sealed record MisclassifiedImage(string Path, int Label, IReadOnlyList<ClassScore> Top);

/// <summary>
/// The summary of an accuracy run, typed: what summary.json and <c>--json</c> hold (written by <see cref="ToJson"/>
/// alone) and what the CLI's and the notebook's reports print. Rates are the reported, rounded values, so every
/// front end shows the same digits.
/// </summary>
public sealed record EvalSummary(
    EvalModelInfo Model,
    bool Completed,
    AccuracyPercent Top1,
    AccuracyPercent Top5,
    EvalPreset Preset,
    DecoderKind Decoder,
    EvalCounts Counts,
    EvalThroughput Throughput,
    MonitorSummary Monitor,
    double Ece,
    IReadOnlyList<ReliabilityBin> Reliability,
    IReadOnlyList<ClassMetrics> WorstClasses,
    IReadOnlyList<ConfusedPair> MostConfused,
    IReadOnlyList<MisclassifiedImage> Misclassified,
    IReadOnlyList<SkippedFile> SkippedFiles,
    IReadOnlyList<string> ClassNames,
    ShardRecord? Shard = null)
{
    public static readonly JsonSerializerOptions FileFormat = new() { WriteIndented = true };

    /// <summary>
    /// timm's validate.py fields first (model … interpolation, under timm's names), then the preset in its one
    /// shape (<see cref="EvalPreset.ToJson"/>) and everything timm does not report.
    /// </summary>
    public JsonObject ToJson() => new()
    {
        ["model"] = Model.Name,
        ["weights"] = Model.Weights,
        ["completed"] = Completed,
        ["top1"] = Top1.Value,
        ["top1_err"] = Top1.Error,
        ["top5"] = Top5.Value,
        ["top5_err"] = Top5.Error,
        ["top1_ci95"] = new JsonArray(Top1.Low, Top1.High),
        ["top5_ci95"] = new JsonArray(Top5.Low, Top5.High),
        ["param_count"] = Model.ParamCountMillions,
        ["img_size"] = Preset.CropSize,
        ["crop_pct"] = Math.Round(Preset.CropPct, 4),
        ["interpolation"] = Preset.Interpolation.ToString().ToLowerInvariant(),
        ["preset"] = Preset.ToJson(),
        ["decoder"] = Decoder.Name(),
        ["images"] = Counts.Images,
        ["dataset_size"] = Counts.DatasetSize,
        ["skipped"] = Counts.Skipped,
        ["dataset_classes"] = Counts.DatasetClasses,
        ["class_mapping"] = Counts.ClassMappingName,
        ["images_per_s"] = Throughput.ImagesPerSecond,
        ["batch_size"] = Throughput.BatchSize,
        ["retry_batch_size"] = Throughput.RetryBatchSize,
        ["workers"] = Throughput.Workers,
        ["backend"] = Throughput.BackendName,
        ["backend_reason"] = Throughput.BackendReason,
        ["backend_probe"] = Throughput.BackendProbe?.ToJson(),
        ["onnx_images_per_run"] = Throughput.OnnxImagesPerRun,
        ["dtype"] = Throughput.Placement.DtypeName,
        ["memory_format"] = Throughput.Placement.MemoryFormat,
        ["device"] = Throughput.Placement.Device,
        ["device_name"] = Throughput.DeviceName,
        ["peak_memory_mb"] = Throughput.PeakMemoryMb,
        ["wall_time_s"] = Throughput.WallTimeSeconds,
        ["data_wait_fraction"] = Throughput.DataWaitFraction,
        ["monitor"] = Monitor.ToJson(),
        ["published_top1"] = Model.PublishedTop1,
        ["published_top5"] = Model.PublishedTop5,
        ["ece"] = Ece,
        ["reliability"] = new JsonArray(Reliability.Select(b => (JsonNode)new JsonObject
        {
            ["low"] = b.Low, ["high"] = b.High, ["count"] = b.Count,
            ["confidence"] = Math.Round(b.MeanConfidence, 5), ["accuracy"] = Math.Round(b.Accuracy, 5),
        }).ToArray()),
        ["worst_classes"] = new JsonArray(WorstClasses.Select(c => (JsonNode)new JsonObject
        {
            ["index"] = c.Index, ["name"] = c.Name, ["support"] = c.Support, ["accuracy"] = Math.Round(c.Accuracy, 5),
            ["precision"] = Math.Round(c.Precision, 5), ["recall"] = Math.Round(c.Recall, 5), ["f1"] = Math.Round(c.F1, 5),
        }).ToArray()),
        ["most_confused"] = new JsonArray(MostConfused.Select(c => (JsonNode)new JsonObject
        {
            ["actual"] = c.Actual, ["actual_name"] = c.ActualName, ["predicted"] = c.Predicted, ["predicted_name"] = c.PredictedName, ["count"] = c.Count,
        }).ToArray()),
        ["misclassified"] = new JsonArray(Misclassified.Select(p => (JsonNode)new JsonObject
        {
            ["path"] = p.Path, ["label"] = p.Label,
            ["top"] = new JsonArray(p.Top.Select(t => (JsonNode)new JsonObject
            {
                ["index"] = t.Index, ["label"] = t.Label, ["probability"] = t.Probability,
            }).ToArray()),
        }).ToArray()),
        ["skipped_files"] = new JsonArray(SkippedFiles.Select(s => (JsonNode)new JsonObject { ["path"] = s.Path, ["reason"] = s.Reason }).ToArray()),
        // The model's classes, index by index: per_class.csv lists only those the run met, and a saved run read
        // back (RunFolder.Load) needs every name its predictions' top-k can point at.
        ["class_names"] = new JsonArray(ClassNames.Select(n => (JsonNode?)n).ToArray()),
        ["shard"] = Shard?.ToJson(),
    };
}
