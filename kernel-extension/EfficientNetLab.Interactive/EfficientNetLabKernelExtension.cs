using EfficientNetLab.Devices;
using EfficientNetLab.Interactive.Formatting;
using EfficientNetLab.Reports;
using EfficientNetLab.Interactive.Hosting;
using EfficientNetLab.Interactive.Magics;
using Microsoft.DotNet.Interactive;
using static EfficientNetLab.Reports.Html;

namespace EfficientNetLab.Interactive;

/// <summary>
/// Loaded by dotnet-interactive from interactive-extensions/dotnet when a notebook runs
/// <c>#r "nuget: EfficientNetLab.Interactive"</c>: registers the magics and formatters and announces them.
/// </summary>
public sealed class EfficientNetLabKernelExtension : IKernelExtension
{
    public Task OnLoadAsync(Kernel kernel)
    {
        // Before anything touches torch: the notebook's libtorch comes from the NuGet cache, and TorchRuntime
        // makes sure that copy, not a system libtorch, is the one TorchSharp binds to.
        TorchRuntime.Initialize();
        FSharpCoreRedirect.Install();
        Formatters.Register();
        var root = kernel.RootKernel;
        var models = new ModelVariables(root);
        var magics = ModelMagics.Register(root, models).Concat(RunMagics.Register(root, models)).ToList();
        KernelInvocationContext.Current?.DisplayAs(Announcement(magics), "text/html");
        return Task.CompletedTask;
    }

    private static string Announcement(IReadOnlyList<MagicHelp> magics) =>
        Card("EfficientNetLab.Interactive loaded",
            "<table style=\"border-collapse:collapse\">" +
            string.Concat(magics.Select(m => $"<tr><td style=\"padding:1px 10px 1px 0;text-align:left\"><code>{E(m.Name)}</code></td><td style=\"text-align:left\">{E(m.Description)}</td></tr>")) +
            "</table><div style=\"font-size:11px;color:#666\">Every magic has <code>--help</code>. Tensors, results and Plotly.NET charts display themselves.</div>") +
        // plotly.js travels with the announcement so that every chart after it is small and works offline.
        PlotlyHtml.ScriptElementOnce();
}
