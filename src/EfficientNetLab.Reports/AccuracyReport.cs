using System.Text;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using static EfficientNetLab.Reports.Html;

namespace EfficientNetLab.Reports;

/// <summary>The end of #!accuracy: headline against torchvision's numbers, where the errors are, how calibrated it is.</summary>
internal static class AccuracyReport
{
    /// <summary>Classes shown in the confusion heatmap: beyond this, the most confused ones only.</summary>
    public const int HeatmapClasses = 20;
    private const int GalleryImages = 12;

    public static string Html(EvalResult r)
    {
        var s = r.Summary;
        var t = s.Throughput;
        var m = r.Metrics;
        var sb = new StringBuilder();
        string Published(double? value) => value is { } v ? $"{E(v)}%" : "—";
        sb.Append($"<div class=\"effnet-accuracy\" style=\"font-family:system-ui,sans-serif;font-size:13px\"><h3 style=\"margin:4px 0\">{E(s.Model.Name)} — {E(s.Model.Weights)}{(s.Completed ? "" : " <span style=\"color:#d62\">(interrupted: partial results)</span>")}</h3>");
        sb.Append(Grid(["", "this run", "95% CI", "published"], [
            ["top-1", $"<b>{E(s.Top1.Value)}%</b>", $"{E(s.Top1.Low)}–{E(s.Top1.High)}", Published(s.Model.PublishedTop1)],
            ["top-5", $"<b>{E(s.Top5.Value)}%</b>", $"{E(s.Top5.Low)}–{E(s.Top5.High)}", Published(s.Model.PublishedTop5)],
        ]));
        sb.Append(Table([
            ("images", $"{s.Counts.Images:N0} evaluated of {s.Counts.DatasetSize:N0}, {s.Counts.Skipped:N0} skipped"),
            ("classes", E(s.Counts.ClassesDescription)),
            ("throughput", $"{F(t.ImagesPerSecond, "0.0")} img/s on {E(t.Placement.ToString())}, {E(t.BackendName)}, batch {t.BatchSize}, data wait {F(t.DataWaitFraction * 100, "0")}%, peak memory {F(t.PeakMemoryMb, "0.0")} MB, {Duration(r.WallTime)}"),
            ("preset", E(s.Preset.ToString())),
            ("ECE", F(s.Ece, "0.0000")),
        ]));
        sb.Append("<div style=\"display:flex;flex-wrap:wrap\">").Append(PlotlyHtml.Render(Confusion(r))).Append(PlotlyHtml.Render(Reliability(r))).Append("</div>");
        var perClass = m.PerClass(r.ClassNames).Where(c => c.Support > 0).OrderBy(c => c.Accuracy).ThenBy(c => c.Index).ToList();
        sb.Append($"<details><summary>per-class metrics ({perClass.Count} classes, worst first)</summary>");
        sb.Append(Grid(["class", "name", "support", "accuracy", "precision", "recall", "F1"], perClass.Take(200).Select(c => (IReadOnlyList<string>)[
            $"{c.Index}", E(c.Name), $"{c.Support}", F(c.Accuracy, "0.000"), F(c.Precision, "0.000"), F(c.Recall, "0.000"), F(c.F1, "0.000")])));
        sb.Append("</details>");
        if (r.Misclassified.Count > 0)
        {
            sb.Append($"<div><b>misclassified</b> (first {Math.Min(GalleryImages, r.Misclassified.Count)} of {m.Images - m.Top1Correct:N0})</div><div style=\"display:flex;flex-wrap:wrap;gap:8px\">");
            foreach (var p in r.Misclassified.Take(GalleryImages))
            {
                sb.Append("<figure style=\"margin:0;width:130px;font-size:11px\">").Append(Thumbnail(p.Path));
                sb.Append($"<figcaption>true: {E(r.ClassNames[p.Label])}<br/><span style=\"color:#b00\">pred: {E(r.ClassNames[p.Predicted])} ({F(p.Confidence * 100, "0")}%)</span></figcaption></figure>");
            }
            sb.Append("</div>");
        }
        return sb.Append("</div>").ToString();
    }

    public static string Text(EvalResult r)
    {
        var s = r.Summary;
        string Published(double? value) => value is { } v ? $" (published {F(v)}%)" : "";
        return $"{s.Model.Name} {s.Model.Weights}{(s.Completed ? "" : " (interrupted: partial results)")}\n" +
               $"  top-1 {F(s.Top1.Value)}%{Published(s.Model.PublishedTop1)}, top-5 {F(s.Top5.Value)}%{Published(s.Model.PublishedTop5)}\n" +
               $"  classes {s.Counts.ClassesDescription}\n" +
               $"  {s.Counts.Images:N0} images, {s.Counts.Skipped:N0} skipped, {F(s.Throughput.ImagesPerSecond, "0.0")} img/s, ECE {F(s.Ece, "0.0000")}";
    }

    /// <summary>Rows = true class, columns = predicted; with many classes only those in the most frequent confusions.</summary>
    internal static IReadOnlyList<int> HeatmapClassesOf(EvalResult r)
    {
        var m = r.Metrics;
        var present = m.PerClass(r.ClassNames).Where(c => c.Support > 0 || c.Predicted > 0).Select(c => c.Index).ToList();
        if (present.Count <= HeatmapClasses) return present;
        var chosen = new List<int>();
        foreach (var (a, p, _) in m.Confusions())
        {
            foreach (var c in new[] { a, p })
                if (!chosen.Contains(c) && chosen.Count < HeatmapClasses) chosen.Add(c);
            if (chosen.Count >= HeatmapClasses) break;
        }
        return chosen.Count > 0 ? chosen.Order().ToList() : present.Take(HeatmapClasses).ToList();
    }

    private static Plotly.NET.GenericChart Confusion(EvalResult r)
    {
        var classes = HeatmapClassesOf(r);
        var names = classes.Select(c => Short(r.ClassNames[c])).ToArray();
        var z = classes.Select(a => classes.Select(p => (double)r.Metrics.Confusion(a, p)).ToArray()).ToArray();
        var all = r.Metrics.PerClass(r.ClassNames).Count(c => c.Support > 0 || c.Predicted > 0);
        return PlotlyHtml.Chart([PlotlyHtml.Trace("heatmap", ("z", z), ("x", names), ("y", names), ("colorscale", "Blues"))],
            all > classes.Count ? $"confusion: {classes.Count} most confused of {all} classes" : "confusion matrix", 520, 460, layout: [
                ("xaxis", new Dictionary<string, object> { ["title"] = new Dictionary<string, string> { ["text"] = "predicted" }, ["type"] = "category" }),
                ("yaxis", new Dictionary<string, object> { ["title"] = new Dictionary<string, string> { ["text"] = "true" }, ["type"] = "category", ["autorange"] = "reversed" }),
            ]);
    }

    private static Plotly.NET.GenericChart Reliability(EvalResult r)
    {
        var bins = r.Metrics.Reliability().Where(b => b.Count > 0).ToList();
        return PlotlyHtml.Chart([
            PlotlyHtml.Trace("scatter", ("name", "perfect calibration"), ("mode", "lines"), ("x", new[] { 0.0, 1.0 }), ("y", new[] { 0.0, 1.0 }),
                ("line", new Dictionary<string, object> { ["dash"] = "dash", ["color"] = "#999" })),
            PlotlyHtml.Trace("scatter", ("name", "model"), ("mode", "lines+markers"), ("x", bins.Select(b => b.MeanConfidence).ToArray()),
                ("y", bins.Select(b => b.Accuracy).ToArray()), ("text", bins.Select(b => $"{b.Count} images").ToArray())),
        ], $"reliability (ECE {F(r.Metrics.ExpectedCalibrationError, "0.000")})", 420, 400, layout: [
            ("xaxis", new Dictionary<string, object> { ["title"] = new Dictionary<string, string> { ["text"] = "confidence" }, ["range"] = new[] { 0, 1 } }),
            ("yaxis", new Dictionary<string, object> { ["title"] = new Dictionary<string, string> { ["text"] = "accuracy" }, ["range"] = new[] { 0, 1 } }),
        ]);
    }

    private static string Short(string name) => name.Length > 24 ? name[..23] + "…" : name;

    private static string Thumbnail(string path)
    {
        try
        {
            return Img(PngDataUri(ImageDecoder.Decode(path), 128), path, 128);
        }
        catch (Exception e) when (e is ImageDecodeException or IOException)
        {
            return $"<div style=\"color:#b00\">{E(Path.GetFileName(path))}: unreadable</div>";
        }
    }
}
