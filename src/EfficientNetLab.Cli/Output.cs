using System.Text.Json;
using System.Text.Json.Nodes;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Cli;

/// <summary>
/// Where a verb's results go: human text or one JSON object on stdout; progress and errors on stderr, so that
/// <c>effnet … --json | jq</c> always works.
/// </summary>
public sealed class Output(TextWriter stdout, TextWriter stderr)
{
    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public void Json(JsonNode node) => Out.WriteLine(node.ToJsonString(Indented));

    public void Line(string text = "") => Out.WriteLine(text);

    /// <summary>A failure as one line (plus a JSON error object with --json), exit code 1; no stack trace.</summary>
    public int Fail(Exception e, bool json = false)
    {
        var message = e is AggregateException { InnerException: { } inner } ? inner.Message : e.Message;
        Err.WriteLine($"effnet: error: {message}");
        if (json) Json(new JsonObject { ["error"] = message });
        return 1;
    }

    /// <summary>A download progress bar on stderr, redrawn in place (only when stderr is a terminal or forced).</summary>
    public IProgress<DownloadProgress> DownloadBar(string label) => new Progress<DownloadProgress>(p =>
    {
        const int width = 30;
        var fraction = p.Fraction ?? 0;
        int filled = (int)(fraction * width);
        var total = p.Total is { } t ? $"/{t / 1e6:F1}" : "";
        Err.Write($"\r{label} [{new string('#', filled)}{new string('.', width - filled)}] " +
                  $"{(p.Fraction is null ? "" : $"{fraction,4:P0} ")}{p.Received / 1e6:F1}{total} MB {p.BytesPerSecond / 1e6:F1} MB/s");
        if (p.Total is { } tt && p.Received >= tt) Err.WriteLine();
    });

    /// <summary>The accuracy run's progress bar on stderr, redrawn in place.</summary>
    public IProgress<EfficientNetLab.Evaluation.EvalProgress> EvalBar() => new SyncProgress<EfficientNetLab.Evaluation.EvalProgress>(p =>
    {
        const int width = 24;
        double fraction = p.Total == 0 ? 1 : (double)p.Done / p.Total;
        int filled = (int)(fraction * width);
        var eta = p.Eta is { } e ? $" ETA {e:hh\\:mm\\:ss}" : "";
        Err.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {p.Done:N0}/{p.Total:N0} " +
                  $"{p.ImagesPerSecond:F1} img/s  top-1 {p.Top1:P2}  top-5 {p.Top5:P2}" +
                  (p.Skipped > 0 ? $"  skipped {p.Skipped}" : "") + eta + "   ");
    });

    /// <summary>Reports on the caller's thread, so progress lines never interleave with results.</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }

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
