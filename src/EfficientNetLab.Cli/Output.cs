using System.Text.Json;
using System.Text.Json.Nodes;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Training;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Cli;

/// <summary>
/// Where a verb's results go: human text or one JSON object on stdout; progress and errors on stderr, so that
/// <c>effnet … --json | jq</c> always works.
/// </summary>
/// <param name="stderrIsTerminal">Whether progress is drawn as a live bar (else as periodic plain lines).</param>
/// <param name="progressInterval">The least time between two plain progress lines.</param>
public sealed class Output(TextWriter stdout, TextWriter stderr, bool stderrIsTerminal = false, TimeSpan? progressInterval = null)
{
    /// <summary>Like tqdm's idea of a log: often enough to see a run move, rarely enough to read.</summary>
    public static readonly TimeSpan DefaultProgressInterval = TimeSpan.FromSeconds(10);

    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;

    public bool StderrIsTerminal { get; } = stderrIsTerminal;

    public TimeSpan ProgressInterval { get; } = progressInterval ?? DefaultProgressInterval;

    /// <summary>A live bar was drawn without its line being ended.</summary>
    internal bool BarOpen { get; set; }

    /// <summary>
    /// The process's own stderr: a live bar when it is a terminal. EFFNET_PROGRESS_INTERVAL (seconds) sets the time
    /// between plain lines elsewhere.
    /// </summary>
    public static Output ForConsole(TextWriter stdout, TextWriter stderr)
    {
        bool terminal = ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;
        var setting = Environment.GetEnvironmentVariable("EFFNET_PROGRESS_INTERVAL");
        TimeSpan? interval = null;
        if (!string.IsNullOrEmpty(setting))
            interval = double.TryParse(setting, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var s) && s >= 0
                ? TimeSpan.FromSeconds(s)
                : throw new ArgumentException($"EFFNET_PROGRESS_INTERVAL must be a number of seconds ≥ 0, got '{setting}'.");
        return new Output(stdout, stderr, terminal, interval);
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public void Json(JsonNode node) => Out.WriteLine(node.ToJsonString(Indented));

    public void Line(string text = "") => Out.WriteLine(text);

    /// <summary>A failure as one line (plus a JSON error object with --json), exit code 1; no stack trace.</summary>
    public int Fail(Exception e, bool json = false)
    {
        var message = e is AggregateException { InnerException: { } inner } ? inner.Message : e.Message;
        EndProgress();
        Err.WriteLine($"effnet: error: {message}");
        if (json) Json(new JsonObject { ["error"] = message });
        return 1;
    }

    /// <summary>A message on stderr (a skipped file, a warning): on a new line when a live bar is half drawn.</summary>
    public void Note(string line)
    {
        EndProgress();
        Err.WriteLine($"effnet: {line}");
    }

    /// <summary>Ends a live bar's line when its task stopped before its final report (interrupted, failed).</summary>
    public void EndProgress()
    {
        if (BarOpen) Err.WriteLine();
        BarOpen = false;
    }

    /// <summary>A download's progress on stderr (see <see cref="ProgressDisplay{T}"/>).</summary>
    public IProgress<DownloadProgress> DownloadBar(string label) => new ProgressDisplay<DownloadProgress>(this, p =>
    {
        const int width = 30;
        var fraction = p.Fraction ?? 0;
        int filled = (int)(fraction * width);
        var total = p.Total is { } t ? $"/{t / 1e6:F1}" : "";
        return $"{label} [{new string('#', filled)}{new string('.', width - filled)}] " +
               $"{(p.Fraction is null ? "" : $"{fraction,4:P0} ")}{p.Received / 1e6:F1}{total} MB {p.BytesPerSecond / 1e6:F1} MB/s";
    }, p => p.Total is { } t && p.Received >= t);

    /// <summary>An accuracy run's progress on stderr.</summary>
    public IProgress<EvalProgress> EvalBar() => new ProgressDisplay<EvalProgress>(this, p =>
    {
        const int width = 24;
        double fraction = p.Total == 0 ? 1 : (double)p.Done / p.Total;
        int filled = (int)(fraction * width);
        var eta = p.Eta is { } e ? $" ETA {e:hh\\:mm\\:ss}" : "";
        return $"[{new string('#', filled)}{new string('.', width - filled)}] {p.Done:N0}/{p.Total:N0} " +
               $"{p.ImagesPerSecond:F1} img/s  top-1 {p.Top1:P2}  top-5 {p.Top5:P2}" +
               (p.Skipped > 0 ? $"  skipped {p.Skipped}" : "") + eta;
    }, p => p.Done >= p.Total);

    /// <summary>A training run's progress on stderr; each epoch ends with its own final line.</summary>
    public IProgress<TrainProgress> TrainBar() => new ProgressDisplay<TrainProgress>(this,
        p => $"epoch {p.Epoch}/{p.Epochs} {p.Done:N0}/{p.Total:N0}  loss {p.Loss:F4}  acc {p.Accuracy:P2}  {p.ImagesPerSecond:F0} img/s",
        p => p.Done >= p.Total);

    /// <summary>Fixed-width table for humans.</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = rows.ToList();
        var widths = headers.Select((h, i) => Math.Max(h.Length, all.Count == 0 ? 0 : all.Max(r => r[i].Length))).ToArray();
        string Row(IReadOnlyList<string> cells) => string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
        Out.WriteLine(Row(headers));
        Out.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var r in all) Out.WriteLine(Row(r));
    }
}
