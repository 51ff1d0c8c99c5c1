using System.Globalization;
using System.Text;
using EfficientNetLab.Data;
using EfficientNetLab.Devices;
using EfficientNetLab.Imaging;

namespace EfficientNetLab.Evaluation;

/// <summary>
/// The outcome of an accuracy run: its typed <see cref="Summary"/> (what summary.json holds) and the detail behind
/// it — the metrics accumulator for per-class and confusion queries, the misclassified and skipped files.
/// </summary>
public sealed class EvalResult(EvalSummary summary, MetricsAccumulator metrics, IReadOnlyList<string> classNames,
    IReadOnlyList<Prediction> misclassified, IReadOnlyList<SkippedFile> skipped)
{
    public EvalSummary Summary { get; } = summary;
    public MetricsAccumulator Metrics { get; } = metrics;
    public IReadOnlyList<string> ClassNames { get; } = classNames;
    public IReadOnlyList<Prediction> Misclassified { get; } = misclassified;
    public IReadOnlyList<SkippedFile> Skipped { get; } = skipped;

    public bool Completed => Summary.Completed;
    public EvalPreset Preset => Summary.Preset;
    public int DatasetSize => Summary.Counts.DatasetSize;
    public double ImagesPerSecond => Summary.Throughput.ImagesPerSecond;
    /// <summary>Share of the wall time the model spent waiting for the loader: large means the accelerator is starved.</summary>
    public double DataWaitFraction => Summary.Throughput.DataWaitFraction;
    public TimeSpan WallTime => TimeSpan.FromSeconds(Summary.Throughput.WallTimeSeconds);
    /// <summary>Peak and mean CPU, memory and GPU load sampled during the run (monitor.csv has every sample).</summary>
    public MonitorSummary Monitor => Summary.Monitor;

    /// <summary>summary.json, per_class.csv and confusion.csv (sparse: actual,predicted,count) in the run's folder.</summary>
    public void WriteFiles(string dir)
    {
        File.WriteAllText(Path.Combine(dir, RunFolder.SummaryFile), Summary.ToJson().ToJsonString(EvalSummary.FileFormat));
        var perClass = new StringBuilder("index,name,support,predicted,correct,accuracy,precision,recall,f1\n");
        foreach (var c in Metrics.PerClass(ClassNames).Where(c => c.Support > 0 || c.Predicted > 0))
            perClass.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"{c.Index},\"{c.Name.Replace("\"", "\"\"")}\",{c.Support},{c.Predicted},{c.Correct},{c.Accuracy:0.#####},{c.Precision:0.#####},{c.Recall:0.#####},{c.F1:0.#####}"));
        File.WriteAllText(Path.Combine(dir, RunFolder.PerClassFile), perClass.ToString());
        var confusion = new StringBuilder("actual,predicted,count\n");
        foreach (var c in Metrics.PerClass(ClassNames).Where(c => c.Correct > 0)) confusion.AppendLine($"{c.Index},{c.Index},{c.Correct}");
        foreach (var (a, p, n) in Metrics.Confusions()) confusion.AppendLine($"{a},{p},{n}");
        File.WriteAllText(Path.Combine(dir, RunFolder.ConfusionFile), confusion.ToString());
    }
}
