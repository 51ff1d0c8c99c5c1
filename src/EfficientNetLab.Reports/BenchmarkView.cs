using static EfficientNetLab.Reports.Html;

namespace EfficientNetLab.Reports;

/// <summary>#!benchmark: a row per batch size and a throughput/latency chart.</summary>
internal static class BenchmarkView
{
    public static string Html(BenchmarkReport r)
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

    public static string Text(BenchmarkReport r) =>
        "batch  img/s  median ms  p90 ms  backend\n" + string.Join("\n", r.Results.Select(b => $"{b.BatchSize,5}  {F(b.ImagesPerSecond, "0.0"),5}  {F(b.MedianBatchMs, "0.0"),9}  {F(b.P90BatchMs, "0.0"),6}  {b.Backend}"));
}
