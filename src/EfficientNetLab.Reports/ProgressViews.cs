using EfficientNetLab.Evaluation;
using EfficientNetLab.Weights;
using static EfficientNetLab.Reports.Html;

namespace EfficientNetLab.Reports;

/// <summary>A running accuracy run, drawn as a progress bar and updated in place.</summary>
public sealed record EvalProgressView(string Model, EvalProgress Progress, bool Finished = false, bool Interrupted = false);

/// <summary>A weights download in progress.</summary>
public sealed record DownloadView(string What, DownloadProgress Progress);

/// <summary>The live views of a long call: a notebook updates them in place while the call runs.</summary>
internal static class ProgressViews
{
    public static string Html(EvalProgressView v)
    {
        var p = v.Progress;
        double fraction = p.Total > 0 ? (double)p.Done / p.Total : 0;
        var state = v.Interrupted ? " — interrupted, partial results kept" : v.Finished ? " — done" : "";
        return $"<div class=\"effnet-progress\" style=\"font-family:system-ui,sans-serif;font-size:12px\"><b>{E(v.Model)}</b>{E(state)}" +
               Bar(fraction, $"{p.Done:N0}/{p.Total:N0} images ({F(fraction * 100, "0.0")}%)", v.Interrupted ? "#d62" : "#4c78a8", 320) +
               $"<div>{F(p.ImagesPerSecond, "0.0")} img/s · top-1 {F(p.Top1 * 100, "0.00")}% · top-5 {F(p.Top5 * 100, "0.00")}% · elapsed {Duration(p.Elapsed)}" +
               $"{(p.Eta is { } eta && !v.Finished && !v.Interrupted ? $" · ETA {Duration(eta)}" : "")}{(p.Skipped > 0 ? $" · {p.Skipped} skipped" : "")}</div></div>";
    }

    public static string Text(EvalProgressView v)
    {
        var p = v.Progress;
        return $"{v.Model}: {p.Done}/{p.Total} images, {F(p.ImagesPerSecond, "0.0")} img/s, top-1 {F(p.Top1 * 100, "0.00")}%, top-5 {F(p.Top5 * 100, "0.00")}%" +
               (v.Interrupted ? " (interrupted)" : v.Finished ? " (done)" : p.Eta is { } eta ? $", ETA {Duration(eta)}" : "");
    }

    public static string Html(DownloadView d) =>
        $"<div style=\"font-family:system-ui,sans-serif;font-size:12px\">downloading {E(d.What)}" +
        Bar(d.Progress.Fraction ?? 0, $"{Bytes(d.Progress.Received)}{(d.Progress.Total is long t ? $" / {Bytes(t)}" : "")} · {Bytes((long)d.Progress.BytesPerSecond)}/s", width: 320) + "</div>";

    public static string Text(DownloadView d) =>
        $"downloading {d.What}: {Bytes(d.Progress.Received)}{(d.Progress.Total is long t ? $" / {Bytes(t)}" : "")}";
}
