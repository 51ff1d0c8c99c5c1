using EfficientNetLab.Data;
using EfficientNetLab.Imaging;

namespace EfficientNetLab.Evaluation;

/// <summary>
/// The per-image records of a run folded into its metrics, in dataset order: what the evaluator adds to batch by
/// batch, what <c>--resume</c> replays from predictions.csv, and what <see cref="RunMerge"/> replays from every
/// shard's. One fold and one summary built from it, so a run, a resumed run and a merged run report alike.
/// </summary>
public sealed class RunRecords(int numClasses, int misclassifiedInSummary = RunRecords.DefaultMisclassifiedInSummary)
{
    public const int DefaultMisclassifiedInSummary = 50;

    private readonly List<Prediction> misclassified = [];
    private readonly List<SkippedFile> skipped = [];

    public MetricsAccumulator Metrics { get; } = new(numClasses);
    public IReadOnlyList<Prediction> Misclassified => misclassified;
    public IReadOnlyList<SkippedFile> Skipped => skipped;

    /// <summary>Records one batch (or a replayed stretch) in dataset order.</summary>
    public void Add(IEnumerable<Prediction> predictions, IEnumerable<(int Index, SkippedFile File)> skippedFiles)
    {
        foreach (var p in predictions)
        {
            Metrics.Add(p);
            if (!p.Correct1 && misclassified.Count < misclassifiedInSummary) misclassified.Add(p);
        }
        skipped.AddRange(skippedFiles.Select(s => s.File));
    }

    /// <summary>Records read back from predictions.csv and skipped.csv, put in dataset order first.</summary>
    public static RunRecords Replay(int numClasses, IEnumerable<Prediction> predictions, IEnumerable<(int Index, SkippedFile File)> skippedFiles,
        int misclassifiedInSummary = DefaultMisclassifiedInSummary)
    {
        var records = new RunRecords(numClasses, misclassifiedInSummary);
        records.Add(predictions.OrderBy(p => p.Index), skippedFiles.OrderBy(s => s.Index));
        return records;
    }

    /// <summary>The run's summary: these records' metrics beside what the caller knows about the model and the run.</summary>
    public EvalSummary Summarize(EvalModelInfo model, bool completed, EvalPreset preset, DecoderKind decoder, int datasetSize,
        int datasetClasses, LabelMapping? mapping, EvalThroughput throughput, Devices.MonitorSummary monitor,
        IReadOnlyList<string> names, ShardRecord? shard)
    {
        var m = Metrics;
        return new EvalSummary(model, completed, AccuracyPercent.Of(m.Top1), AccuracyPercent.Of(m.Top5), preset, decoder,
            new EvalCounts(m.Images, datasetSize, skipped.Count, datasetClasses, mapping), throughput, monitor,
            Math.Round(m.ExpectedCalibrationError, 5), m.Reliability(),
            m.PerClass(names).Where(c => c.Support > 0).OrderBy(c => c.Accuracy).ThenBy(c => c.Index).Take(10).ToArray(),
            m.Confusions().Take(10).Select(c => new ConfusedPair(c.Actual, names[c.Actual], c.Predicted, names[c.Predicted], c.Count)).ToArray(),
            misclassified.Select(p => new MisclassifiedImage(p.Path, p.Label,
                p.TopIndices.Select((c, i) => new ClassScore(c, names[c], p.TopProbabilities[i])).ToArray())).ToArray(),
            skipped.ToArray(), names, shard);
    }

    public EvalResult ToResult(EvalSummary summary, IReadOnlyList<string> names) => new(summary, Metrics, names, misclassified, skipped);
}
