using System.Text.RegularExpressions;

namespace EfficientNetLab.Evaluation;

/// <summary>
/// The files an accuracy run writes into its <c>--out</c> folder. Knowing them by name is what lets
/// <c>--overwrite</c> replace a run without touching anything else a user keeps in that folder, and what lets
/// <see cref="Load"/> read a saved run back.
/// </summary>
public static partial class RunFolder
{
    public const string SummaryFile = "summary.json";
    public const string PerClassFile = "per_class.csv";
    public const string ConfusionFile = "confusion.csv";
    public const string MonitorFile = "monitor.csv";

    /// <summary>The files whose presence means the folder holds a run (finished or interrupted).</summary>
    public static IReadOnlyList<string> RunMarkers(string dir) =>
        new[] { PredictionLog.PredictionsFile, SummaryFile }.Where(f => File.Exists(Path.Combine(dir, f))).ToArray();

    /// <summary>
    /// The run saved in <paramref name="dir"/> — whole, a shard or merged, finished or interrupted — as the
    /// <see cref="EvalResult"/> the run returned. Metrics, per-class and confusion are replayed from predictions.csv
    /// and skipped.csv exactly as <c>--resume</c> and <see cref="RunMerge"/> replay them; what the records cannot
    /// tell (model, preset, decoder, mapping, placement, timing, monitor, shard) is read back from summary.json.
    /// </summary>
    public static EvalResult Load(string dir)
    {
        var summary = SavedSummary.Read(dir, "a run's --out", $"effnet eval … --out {dir} --resume");
        var names = SavedSummary.ClassNames(summary);
        var (predictions, skipped) = PredictionLog.Read(dir);
        var records = RunRecords.Replay(names.Count, predictions, skipped);
        long images = SavedSummary.Get<long>(summary, "images");
        if (records.Metrics.Images != images)
            throw new InvalidDataException(
                $"{dir}: {SummaryFile} counts {images:N0} images but {PredictionLog.PredictionsFile} holds {predictions.Count:N0}: " +
                "the files are not of one run. Evaluate it again with --resume (or --overwrite).");
        var result = records.Summarize(SavedSummary.Model(summary), SavedSummary.Get<bool>(summary, "completed"), SavedSummary.Preset(summary),
            SavedSummary.Decoder(summary), SavedSummary.Get<int>(summary, "dataset_size"), SavedSummary.Get<int>(summary, "dataset_classes"),
            SavedSummary.Mapping(summary), SavedSummary.Throughput(summary), SavedSummary.Monitor(summary), names, SavedSummary.Shard(summary));
        return records.ToResult(result, names);
    }

    /// <summary>Every file of the run in <paramref name="dir"/>: the fixed names and each session's monitor-N.csv.</summary>
    public static IReadOnlyList<string> Files(string dir)
    {
        if (!Directory.Exists(dir)) return [];
        string[] fixedNames = [PredictionLog.PredictionsFile, PredictionLog.SkippedFile, SummaryFile, PerClassFile, ConfusionFile, MonitorFile];
        return Directory.EnumerateFiles(dir)
            .Where(f => fixedNames.Contains(Path.GetFileName(f)) || ResumedMonitor().IsMatch(Path.GetFileName(f)))
            .Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>Deletes the run's files (<see cref="Files"/>) and nothing else.</summary>
    public static void Clear(string dir)
    {
        foreach (var f in Files(dir)) File.Delete(f);
    }

    /// <summary>A resumed run keeps the first session's monitor.csv and writes monitor-2.csv, monitor-3.csv, ….</summary>
    public static string NextMonitorFile(string dir)
    {
        var path = Path.Combine(dir, MonitorFile);
        for (int i = 2; File.Exists(path); i++) path = Path.Combine(dir, $"monitor-{i}.csv");
        return path;
    }

    [GeneratedRegex(@"^monitor-[0-9]+\.csv$")]
    private static partial Regex ResumedMonitor();
}
