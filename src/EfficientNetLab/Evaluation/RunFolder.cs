using System.Text.RegularExpressions;

namespace EfficientNetLab.Evaluation;

/// <summary>
/// The files an accuracy run writes into its <c>--out</c> folder. Knowing them by name is what lets
/// <c>--overwrite</c> replace a run without touching anything else a user keeps in that folder.
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
