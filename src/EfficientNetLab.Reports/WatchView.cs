using EfficientNetLab.Devices;
using static EfficientNetLab.Reports.Html;

namespace EfficientNetLab.Reports;

/// <summary>#!cuda-info --watch: GPU, CPU and memory load over time.</summary>
internal static class WatchView
{
    public static string Html(WatchResult w)
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
        return $"<div class=\"effnet-watch\">{PlotlyHtml.Render(chart)}<div style=\"font-size:12px\">latest: {E(Text(w))}</div></div>";
    }

    public static string Text(WatchResult w)
    {
        if (w.Samples.Count == 0) return "no samples yet";
        var s = w.Samples[^1];
        var gpus = string.Concat(s.Gpus.Select(g => $"GPU {g.Index} {(g.UtilizationPercent is { } u ? $"{u}%" : "?")} busy, {Bytes((long)(g.MemoryUsedBytes ?? 0))} used; "));
        return $"{gpus}CPU {F(s.SystemCpuPercent ?? 0, "0.0")}%, memory {Bytes(s.MemoryUsedBytes ?? 0)} used, this kernel {Bytes(s.ProcessRssBytes ?? 0)} ({w.Samples.Count} samples)";
    }
}
