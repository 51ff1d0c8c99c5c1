using Microsoft.DotNet.Interactive.Events;

namespace EfficientNetLab.Interactive.Tests;

/// <summary>
/// Plotly.NET.Interactive loaded after the kit, as a notebook that follows Plotly.NET's docs does: its formatter for
/// GenericChart (require.js, plotly.js from a CDN) registers last, and still every chart must come out of the kit's
/// formatter, which draws offline. The other order, and the browser's view of both, is tests/browser/plotly-interactive.sh.
/// </summary>
[Collection("notebook")]
public class PlotlyInteractiveTests(NotebookKernel notebook)
{
    [Fact]
    public async Task Charts_keep_the_kits_offline_formatter_after_Plotly_NET_Interactive_loads()
    {
        var load = await notebook.Run("#r \"nuget: Plotly.NET.Interactive, 6.0.0\"");
        load.Succeeded();
        Assert.Contains(load.Events, e => e is KernelExtensionLoaded { KernelExtension: var x } && x.GetType().FullName == "Plotly.NET.Interactive.FormatterKernelExtension");
        var r = await notebook.Run("""
            using Plotly.NET;
            var trace = new Trace("scatter");
            trace.SetProperty("y", new[] { 2, 4, 3 });
            var chart = GenericChart.ofTraceObject(true, trace);
            chart.Display();                                  // GenericChart.Chart
            GenericChart.combine(new[] { chart, chart })     // GenericChart.MultiChart
            """);
        r.Succeeded();
        var html = r.Html();
        Assert.Equal(2, html.Split("Plotly.newPlot").Length - 1);
        Assert.DoesNotContain("require", html);
        Assert.DoesNotContain("cdn.plot.ly", html);
    }
}
