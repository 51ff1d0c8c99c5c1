using System.Text;
using EfficientNetLab.Devices;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using EfficientNetLab.Interactive.Hosting;
using EfficientNetLab.Interactive.Magics;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;
using static EfficientNetLab.Interactive.Formatting.Html;

namespace EfficientNetLab.Interactive.Formatting;

/// <summary>HTML and text/plain for every type the kit shows in a notebook.</summary>
public static class Formatters
{
    public static void Register()
    {
        Both<GenericChart>(PlotlyHtml.Render, PlotlyHtml.Describe);
        // Plotly.NET.Interactive, which Plotly.NET's docs tell notebook users to load, registers its own formatter
        // for GenericChart, whose output fetches require.js and plotly.js from CDNs: offline no chart draws. Between
        // two formatters for the same type the one registered last wins (Formatting 1.0.0-beta.26120.1), so
        // the kit would lose whenever it loads first. A formatter for a more derived type wins whatever the
        // order, and every chart is an instance of one of GenericChart's union cases (Chart, MultiChart).
        foreach (var unionCase in PlotlyHtml.ChartTypes)
        {
            Formatter.Register(unionCase, (value, writer) => writer.Write(PlotlyHtml.Render((GenericChart)value)), HtmlFormatter.MimeType);
            Formatter.Register(unionCase, (value, writer) => writer.Write(PlotlyHtml.Describe((GenericChart)value)), PlainTextFormatter.MimeType);
        }
        Both<MagicHelp>(h => $"<pre style=\"font-size:12px\">{E(h.ToString())}</pre>", h => h.ToString());
        Both<DeviceReport>(DeviceCard.Html, DeviceCard.Text);
        Both<ModelCard>(ModelCardHtml, ModelCardText);
        Both<ClassifyResult>(GalleryHtml, GalleryText);
        Both<PreprocessResult>(PreprocessHtml, PreprocessText);
        Both<EvalProgressView>(ProgressHtml, ProgressText);
        Both<DownloadView>(DownloadHtml, DownloadText);
        Both<EvalResult>(AccuracyReport.Html, AccuracyReport.Text);
        Both<BenchmarkReport>(BenchmarkHtml, BenchmarkText);
        Both<WatchResult>(WatchHtml, WatchText);
        Both<TorchSharp.torch.Tensor>(TensorView.Html, TensorView.Text);
    }

    private static void Both<T>(Func<T, string> html, Func<T, string> text)
    {
        Formatter.Register<T>((value, writer) => writer.Write(html(value)), HtmlFormatter.MimeType);
        Formatter.Register<T>((value, writer) => writer.Write(text(value)), PlainTextFormatter.MimeType);
    }

    private static string ModelCardHtml(ModelCard c)
    {
        var m = c.Model;
        var r = c.Reference;
        var published = m.Published is not null
            ? $"acc@1 {F(r.Acc1)}%, acc@5 {F(r.Acc5)}% ({E(r.TorchvisionName)})"
            : $"none for these weights (torchvision's {E(r.TorchvisionName)}: acc@1 {F(r.Acc1)}%, acc@5 {F(r.Acc5)}%)";
        return Card($"{c.Name} = {m.Model.Variant.TorchvisionName}", Table([
            ("variant", E(m.Model.Variant.Name)),
            ("parameters", $"{F(m.Model.ParameterCount / 1e6, "0.000")} M ({Bytes(c.ParameterBytes)})"),
            ("GFLOPS", F(r.Gflops)),
            ("classes", $"{m.Model.NumClasses}"),
            ("weights", E(m.WeightsDescription)),
            ("file", E(m.WeightsPath ?? "—")),
            ("sha256", c.Sha256 is null ? "—" : $"<code>{E(c.Sha256)}</code>"),
            ("published", published),
            ("preset", E(m.Preset.ToString())),
            ("device", E(m.Placement.ToString())),
            ("process memory", Bytes(c.ProcessMemoryBytes)),
        ]));
    }

    private static string ModelCardText(ModelCard c) =>
        $"{c.Name} = {c.Model.Model.Variant.TorchvisionName}: {F(c.Model.Model.ParameterCount / 1e6, "0.000")} M params, " +
        $"weights {c.Model.WeightsDescription}{(c.Sha256 is null ? "" : $" (sha256 {c.Sha256[..12]}…)")}, device {c.Model.Placement}" +
        (c.Model.Published is { } p ? $", published acc@1 {F(p.Acc1)}% acc@5 {F(p.Acc5)}%" : "");

    private static string GalleryHtml(ClassifyResult g)
    {
        var sb = new StringBuilder("<div class=\"effnet-gallery\" style=\"display:flex;flex-wrap:wrap;gap:10px;font-family:system-ui,sans-serif;font-size:12px\">");
        foreach (var item in g.Images)
        {
            sb.Append("<div style=\"border:1px solid #ddd;border-radius:6px;padding:6px;width:300px\">");
            sb.Append(Img(PngDataUri(item.Thumbnail), item.Source, Lab.ThumbnailSide));
            sb.Append($"<div style=\"color:#555;overflow-wrap:anywhere\">{E(Path.GetFileName(item.Source.TrimEnd('/')))}</div>");
            foreach (var s in item.Top) sb.Append(Bar(s.Probability, $"{E(s.Label)} <span style=\"color:#777\">{F(s.Probability * 100, "0.0")}%</span>", width: 110));
            sb.Append("</div>");
        }
        sb.Append("</div>");
        foreach (var w in g.Warnings) sb.Append($"<div style=\"font-size:12px;color:#a52\">warning: {E(w)}</div>");
        return sb.ToString();
    }

    private static string GalleryText(ClassifyResult g)
    {
        var sb = new StringBuilder();
        foreach (var item in g.Images)
        {
            sb.AppendLine(item.Source);
            foreach (var s in item.Top) sb.AppendLine($"  {s.Probability,7:P2}  {s.Index,4}  {s.Label}");
        }
        foreach (var w in g.Warnings) sb.AppendLine($"warning: {w}");
        return sb.ToString().TrimEnd();
    }

    private static string PreprocessHtml(PreprocessResult v)
    {
        var (preset, stages, stats) = (v.Stages.Preset, v.Stages, v.Stages.ChannelStats());
        int crop = preset.CropSize, plane = crop * crop;
        string Panel(string title, string img, string caption) =>
            $"<figure style=\"margin:0 8px 0 0;text-align:center\">{img}<figcaption style=\"font-size:12px\"><b>{E(title)}</b><br/>{caption}</figcaption></figure>";
        var sb = new StringBuilder($"<div class=\"effnet-preprocess\" style=\"font-family:system-ui,sans-serif\"><div style=\"font-size:12px;margin-bottom:4px\">{E(v.Path)} — {E(preset.ToString())}</div><div style=\"display:flex;align-items:flex-end;flex-wrap:wrap\">");
        sb.Append(Panel("original", Img(PngDataUri(stages.Decoded, 256), "original", 256), $"{stages.Decoded.Width}×{stages.Decoded.Height}, uint8 0–255"));
        sb.Append(Panel("resized", Img(PngDataUri(stages.Resized, 256), "resized", 256), $"{stages.Resized.Width}×{stages.Resized.Height} ({preset.Interpolation.ToString().ToLowerInvariant()})"));
        sb.Append(Panel("center crop", Img(PngDataUri(stages.Cropped), "cropped"), $"{crop}×{crop} at ({stages.CropLeft}, {stages.CropTop})"));
        string[] channel = ["R", "G", "B"];
        for (int c = 0; c < 3; c++)
        {
            var (min, max, mean) = stats[c];
            sb.Append(Panel($"normalized {channel[c]}", Img(PlanePngDataUri(stages.Normalized.AsSpan(c * plane, plane), crop, crop, min, max), channel[c]),
                $"float32 [{F(min, "0.000")}, {F(max, "0.000")}], mean {F(mean, "0.000")}<br/>(x/255 − {F(preset.Mean[c])}) / {F(preset.Std[c])}"));
        }
        return sb.Append("</div></div>").ToString();
    }

    private static string PreprocessText(PreprocessResult v) =>
        $"{v.Path}: {v.Stages.Decoded.Width}×{v.Stages.Decoded.Height} → resize {v.Stages.Resized.Width}×{v.Stages.Resized.Height} → crop {v.Stages.Preset.CropSize}×{v.Stages.Preset.CropSize} → normalized\n" +
        string.Join("\n", v.Stages.ChannelStats().Select((s, c) => $"  {"RGB"[c]}: [{F(s.Min, "0.000")}, {F(s.Max, "0.000")}], mean {F(s.Mean, "0.000")}"));

    private static string ProgressHtml(EvalProgressView v)
    {
        var p = v.Progress;
        double fraction = p.Total > 0 ? (double)p.Done / p.Total : 0;
        var state = v.Interrupted ? " — interrupted, partial results kept" : v.Finished ? " — done" : "";
        return $"<div class=\"effnet-progress\" style=\"font-family:system-ui,sans-serif;font-size:12px\"><b>{E(v.Model)}</b>{E(state)}" +
               Bar(fraction, $"{p.Done:N0}/{p.Total:N0} images ({F(fraction * 100, "0.0")}%)", v.Interrupted ? "#d62" : "#4c78a8", 320) +
               $"<div>{F(p.ImagesPerSecond, "0.0")} img/s · top-1 {F(p.Top1 * 100, "0.00")}% · top-5 {F(p.Top5 * 100, "0.00")}% · elapsed {Duration(p.Elapsed)}" +
               $"{(p.Eta is { } eta && !v.Finished && !v.Interrupted ? $" · ETA {Duration(eta)}" : "")}{(p.Skipped > 0 ? $" · {p.Skipped} skipped" : "")}</div></div>";
    }

    private static string ProgressText(EvalProgressView v)
    {
        var p = v.Progress;
        return $"{v.Model}: {p.Done}/{p.Total} images, {F(p.ImagesPerSecond, "0.0")} img/s, top-1 {F(p.Top1 * 100, "0.00")}%, top-5 {F(p.Top5 * 100, "0.00")}%" +
               (v.Interrupted ? " (interrupted)" : v.Finished ? " (done)" : p.Eta is { } eta ? $", ETA {Duration(eta)}" : "");
    }

    private static string DownloadHtml(DownloadView d) =>
        $"<div style=\"font-family:system-ui,sans-serif;font-size:12px\">downloading {E(d.What)}" +
        Bar(d.Progress.Fraction ?? 0, $"{Bytes(d.Progress.Received)}{(d.Progress.Total is long t ? $" / {Bytes(t)}" : "")} · {Bytes((long)d.Progress.BytesPerSecond)}/s", width: 320) + "</div>";

    private static string DownloadText(DownloadView d) =>
        $"downloading {d.What}: {Bytes(d.Progress.Received)}{(d.Progress.Total is long t ? $" / {Bytes(t)}" : "")}";

    private static string BenchmarkHtml(BenchmarkReport r)
    {
        var rows = r.Results.Select(b => (IReadOnlyList<string>)[$"{b.BatchSize}", F(b.ImagesPerSecond, "0.0"), F(b.MedianBatchMs, "0.0"), F(b.P90BatchMs, "0.0"),
            F(b.MedianBatchMs / b.BatchSize, "0.00"), E(b.Backend), E(b.Device), E(b.Dtype), E(b.MemoryFormat), $"{b.Threads}"]);
        var table = Grid(["batch", "img/s", "median ms", "p90 ms", "ms/img", "backend", "device", "dtype", "memory format", "threads"], rows);
        var batches = r.Results.Select(b => b.BatchSize.ToString()).ToArray();
        var chart = PlotlyHtml.Chart([
            PlotlyHtml.Trace("bar", ("name", "throughput (img/s)"), ("x", batches), ("y", r.Results.Select(b => b.ImagesPerSecond).ToArray())),
            PlotlyHtml.Trace("scatter", ("name", "median latency (ms/batch)"), ("mode", "lines+markers"), ("x", batches), ("y", r.Results.Select(b => b.MedianBatchMs).ToArray()), ("yaxis", "y2")),
        ], $"{r.ModelName}: {r.Results.FirstOrDefault()?.Model} on {r.Results.FirstOrDefault()?.Backend}", layout: [
            ("xaxis", new Dictionary<string, object> { ["title"] = new Dictionary<string, string> { ["text"] = "batch size" }, ["type"] = "category" }),
            ("yaxis", new Dictionary<string, object> { ["title"] = new Dictionary<string, string> { ["text"] = "img/s" } }),
            ("yaxis2", new Dictionary<string, object> { ["title"] = new Dictionary<string, string> { ["text"] = "ms / batch" }, ["overlaying"] = "y", ["side"] = "right" }),
        ]);
        return Card($"Benchmark {r.ModelName}", table + PlotlyHtml.Render(chart));
    }

    private static string BenchmarkText(BenchmarkReport r) =>
        "batch  img/s  median ms  p90 ms  backend\n" + string.Join("\n", r.Results.Select(b => $"{b.BatchSize,5}  {F(b.ImagesPerSecond, "0.0"),5}  {F(b.MedianBatchMs, "0.0"),9}  {F(b.P90BatchMs, "0.0"),6}  {b.Backend}"));

    private static string WatchHtml(WatchResult w)
    {
        var t = w.Samples.Select(s => Math.Round(s.Elapsed.TotalSeconds, 1)).ToArray();
        static double Pct(double? part, double? whole) => part is { } p && whole is { } a && a > 0 ? 100 * p / a : double.NaN;
        var traces = new List<Plotly.NET.Trace>
        {
            PlotlyHtml.Trace("scatter", ("name", "CPU %"), ("mode", "lines"), ("x", t), ("y", w.Samples.Select(s => s.SystemCpuPercent ?? double.NaN).ToArray())),
            PlotlyHtml.Trace("scatter", ("name", "memory used %"), ("mode", "lines"), ("x", t), ("y", w.Samples.Select(s => Pct(s.MemoryUsedBytes, s.MemoryTotalBytes)).ToArray())),
        };
        // GPUs lead the chart when there are any: on a GPU host their load is what the watch is for.
        foreach (var gpu in w.Samples.LastOrDefault()?.Gpus ?? [])
        {
            double[] Series(Func<GpuSample, double> read) => w.Samples.Select(s => s.Gpus.FirstOrDefault(g => g.Index == gpu.Index) is { } g ? read(g) : double.NaN).ToArray();
            traces.Insert(0, PlotlyHtml.Trace("scatter", ("name", $"GPU {gpu.Index} memory %"), ("mode", "lines"), ("x", t), ("y", Series(g => Pct(g.MemoryUsedBytes, g.MemoryTotalBytes)))));
            traces.Insert(0, PlotlyHtml.Trace("scatter", ("name", $"GPU {gpu.Index} utilization %"), ("mode", "lines"), ("x", t), ("y", Series(g => g.UtilizationPercent ?? double.NaN))));
        }
        var what = w.HasGpus ? "GPU / CPU / memory" : "CPU / memory";
        var chart = PlotlyHtml.Chart(traces, w.Stopped ? $"{what} (stopped)" : $"{what} (live: interrupt the cell to stop)", 640, 300, layout: [
            ("yaxis", new Dictionary<string, object> { ["range"] = new[] { 0, 100 }, ["title"] = new Dictionary<string, string> { ["text"] = "%" } }),
            ("xaxis", new Dictionary<string, object> { ["title"] = new Dictionary<string, string> { ["text"] = "seconds" } }),
        ]);
        return $"<div class=\"effnet-watch\">{PlotlyHtml.Render(chart)}<div style=\"font-size:12px\">latest: {E(WatchText(w))}</div></div>";
    }

    private static string WatchText(WatchResult w)
    {
        if (w.Samples.Count == 0) return "no samples yet";
        var s = w.Samples[^1];
        var gpus = string.Concat(s.Gpus.Select(g => $"GPU {g.Index} {(g.UtilizationPercent is { } u ? $"{u}%" : "?")} busy, {Bytes((long)(g.MemoryUsedBytes ?? 0))} used; "));
        return $"{gpus}CPU {F(s.SystemCpuPercent ?? 0, "0.0")}%, memory {Bytes(s.MemoryUsedBytes ?? 0)} used, this kernel {Bytes(s.ProcessRssBytes ?? 0)} ({w.Samples.Count} samples)";
    }
}
