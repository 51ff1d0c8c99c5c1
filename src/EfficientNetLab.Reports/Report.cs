using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text;
using EfficientNetLab.Devices;
using EfficientNetLab.Evaluation;
using Plotly.NET;
using static EfficientNetLab.Reports.Html;
using Tensor = TorchSharp.torch.Tensor;

namespace EfficientNetLab.Reports;

/// <summary>
/// Every result of the kit rendered one way wherever it is shown: the notebook's formatters, a lesson app's
/// console and HTML pages, and any C# program call these.
/// </summary>
public static class Report
{
    /// <summary>Rows of an enumerable that <see cref="Text"/> prints before it says how many more there are.</summary>
    public const int TextRows = 100;

    /// <summary>The types that have an HTML view (and their subclasses): what a notebook registers formatters for.</summary>
    public static IReadOnlyList<Type> Types { get; } =
    [
        typeof(GenericChart), typeof(DeviceReport), typeof(ModelCard), typeof(ClassifyResult), typeof(PreprocessResult),
        typeof(EvalProgressView), typeof(DownloadView), typeof(EvalResult), typeof(BenchmarkReport), typeof(WatchResult), typeof(Tensor),
    ];

    /// <summary>The HTML fragment a notebook shows for <paramref name="value"/>, or null when its type has no view.</summary>
    public static string? Html(object? value) => value switch
    {
        GenericChart chart => PlotlyHtml.Render(chart),
        DeviceReport r => DeviceCard.Html(r),
        ModelCard c => ModelCardView.Html(c),
        ClassifyResult r => GalleryView.Html(r),
        PreprocessResult r => PreprocessView.Html(r),
        EvalProgressView v => ProgressViews.Html(v),
        DownloadView v => ProgressViews.Html(v),
        EvalResult r => AccuracyReport.Html(r),
        BenchmarkReport r => BenchmarkView.Html(r),
        WatchResult w => WatchView.Html(w),
        Tensor t => TensorView.Html(t),
        _ => null,
    };

    /// <summary>
    /// <paramref name="value"/> as console text: the kit's own summary for its types; for anything else its public
    /// properties, as .NET Interactive's plain-text formatter shows them (a table for a sequence of objects).
    /// </summary>
    public static string Text(object? value) => value switch
    {
        GenericChart chart => PlotlyHtml.Describe(chart),
        DeviceReport r => DeviceCard.Text(r),
        ModelCard c => ModelCardView.Text(c),
        ClassifyResult r => GalleryView.Text(r),
        PreprocessResult r => PreprocessView.Text(r),
        EvalProgressView v => ProgressViews.Text(v),
        DownloadView v => ProgressViews.Text(v),
        EvalResult r => AccuracyReport.Text(r),
        BenchmarkReport r => BenchmarkView.Text(r),
        WatchResult w => WatchView.Text(w),
        Tensor t => TensorView.Text(t),
        _ => GenericText(value),
    };

    /// <summary>
    /// Writes <paramref name="value"/> as a self-contained HTML page: its view (its text in a &lt;pre&gt; when it has
    /// none), with plotly.js inline when the page draws a chart, so it opens offline and references no remote script.
    /// </summary>
    public static void SaveHtml(object? value, string path, string? title = null)
    {
        var (body, charts) = PlotlyHtml.RenderPage(() => Html(value) ?? $"<pre>{E(Text(value))}</pre>");
        var page = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"/>")
            .Append($"<title>{E(title ?? value?.GetType().Name ?? "null")}</title>")
            .Append(charts ? PlotlyHtml.ScriptElement() : "")
            .Append("</head><body>").Append(body).Append("</body></html>\n");
        if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir) Directory.CreateDirectory(dir);
        File.WriteAllText(path, page.ToString());
    }

    private static string GenericText(object? value)
    {
        switch (value)
        {
            case null:
                return "<null>";
            case string s:
                return s;
            case IEnumerable sequence:
                var items = sequence.Cast<object?>().Take(TextRows + 1).ToList();
                if (items.Count == 0) return "(empty)";
                var more = items.Count > TextRows ? $"\n… more than {TextRows} items" : "";
                items = items.Take(TextRows).ToList();
                var type = items.FirstOrDefault(i => i is not null)?.GetType();
                if (type is null || IsScalar(type) || Members(type).Count == 0)
                    return string.Join("\n", items.Select(Scalar)) + more;
                var members = Members(type);
                return Columns(members.Select(m => m.Name).ToArray(),
                    items.Select(i => members.Select(m => i is null || !m.DeclaringType!.IsInstanceOfType(i) ? "" : Scalar(m.Read(i))).ToArray()).ToList()) + more;
            default:
                var t = value.GetType();
                if (IsScalar(t) || Members(t).Count == 0) return Scalar(value);
                var rows = Members(t).Select(m => new[] { m.Name, Scalar(m.Read(value)) }).ToList();
                // An anonymous type's compiler name (<>f__AnonymousType0`2) says nothing: its rows alone do.
                return t.Name.StartsWith("<>", StringComparison.Ordinal) ? Columns(null, rows) : $"{t.Name}\n{Columns(null, rows)}";
        }
    }

    private sealed record Member(string Name, Type DeclaringType, Func<object, object?> Read);

    /// <summary>Public instance properties without parameters and public fields (tuples have only fields).</summary>
    private static IReadOnlyList<Member> Members(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0 && p.CanRead)
            .Select(p => new Member(p.Name, p.DeclaringType!, o => Safe(() => p.GetValue(o))))
            .Concat(type.GetFields(BindingFlags.Public | BindingFlags.Instance).Select(f => new Member(f.Name, f.DeclaringType!, o => f.GetValue(o))))
            .ToList();

    /// <summary>A property that throws shows what it threw, as .NET Interactive's formatter does, not a failed cell.</summary>
    private static object? Safe(Func<object?> read)
    {
        try
        {
            return read();
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            return $"{inner.GetType().Name}: {inner.Message}";
        }
    }

    private static bool IsScalar(Type t) =>
        t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || typeof(IFormattable).IsAssignableFrom(t) || t == typeof(Uri);

    /// <summary>One cell: a value on one line; a nested sequence by its count, a nested object by its ToString.</summary>
    private static string Scalar(object? value) => value switch
    {
        null => "<null>",
        string s => s.ReplaceLineEndings(" "),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        ICollection c => $"[{c.Count} items]",
        IEnumerable => "[…]",
        _ => (value.ToString() ?? "").ReplaceLineEndings(" "),
    };

    private static string Columns(string[]? header, IReadOnlyList<string[]> rows)
    {
        var all = header is null ? rows : [header, .. rows];
        if (all.Count == 0) return "";
        var widths = Enumerable.Range(0, all[0].Length).Select(c => all.Max(r => r[c].Length)).ToArray();
        return string.Join("\n", all.Select(r => string.Join("  ", r.Select((cell, c) => c == r.Length - 1 ? cell : cell.PadRight(widths[c]))).TrimEnd()));
    }
}
