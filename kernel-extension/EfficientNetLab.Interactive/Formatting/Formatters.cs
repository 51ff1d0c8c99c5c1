using EfficientNetLab.Interactive.Magics;
using EfficientNetLab.Reports;
using Microsoft.DotNet.Interactive.Formatting;
using static EfficientNetLab.Reports.Html;

namespace EfficientNetLab.Interactive.Formatting;

/// <summary>HTML and text/plain for every type the kit shows in a notebook: the views of EfficientNetLab.Reports.</summary>
public static class Formatters
{
    public static void Register()
    {
        foreach (var type in Report.Types) Both(type, v => Report.Html(v)!, Report.Text);
        // Plotly.NET.Interactive, which Plotly.NET's docs tell notebook users to load, registers its own formatter
        // for GenericChart, whose output fetches require.js and plotly.js from CDNs: offline no chart draws. Between
        // two formatters for the same type the one registered last wins (Formatting 1.0.0-beta.26120.1), so
        // the kit would lose whenever it loads first. A formatter for a more derived type wins whatever the
        // order, and every chart is an instance of one of GenericChart's union cases (Chart, MultiChart).
        foreach (var unionCase in PlotlyHtml.ChartTypes) Both(unionCase, v => Report.Html(v)!, Report.Text);
        Both(typeof(MagicHelp), h => $"<pre style=\"font-size:12px\">{E(h.ToString())}</pre>", h => h.ToString()!);
    }

    private static void Both(Type type, Func<object, string> html, Func<object, string> text)
    {
        Formatter.Register(type, (value, writer) => writer.Write(html(value)), HtmlFormatter.MimeType);
        Formatter.Register(type, (value, writer) => writer.Write(text(value)), PlainTextFormatter.MimeType);
    }
}
