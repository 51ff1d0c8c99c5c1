using System.Diagnostics;
using System.Text.Json;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Reports;
using EfficientNetLab.Interactive.Hosting;
using EfficientNetLab.Options;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using Microsoft.DotNet.Interactive.CSharp;
using static EfficientNetLab.Interactive.Magics.Magic;

namespace EfficientNetLab.Interactive.Magics;

public sealed class AccuracyCommand : MagicCommand
{
    public string? Model { get; set; }
    public string? Data { get; set; }
    public string? ClassMap { get; set; }
    public JsonElement? BatchSize { get; set; }
    public JsonElement? Workers { get; set; }
    public JsonElement? Limit { get; set; }
    public string? Out { get; set; }
    public bool Resume { get; set; }
    public bool Overwrite { get; set; }
    public bool Strict { get; set; }
    public JsonElement? Backend { get; set; }
    public string? Run { get; set; }
    public string? Name { get; set; }
}

public sealed class BenchmarkCommand : MagicCommand
{
    public string? Model { get; set; }
    public JsonElement? BatchSize { get; set; }
    public JsonElement? ImageSize { get; set; }
    public JsonElement? Warmup { get; set; }
    public JsonElement? Repeats { get; set; }
    public JsonElement? Threads { get; set; }
    public JsonElement? Backend { get; set; }
}

public sealed class CudaInfoCommand : MagicCommand
{
    public double? Watch { get; set; }
    public int? Samples { get; set; }
}

/// <summary>
/// #!accuracy, #!benchmark and #!cuda-info: long-running work with live views that an interrupt stops. The first
/// two run the model where #!efficientnet placed it (--device, --half, --channels-last are that magic's), so the
/// model card stays true.
/// </summary>
internal static class RunMagics
{
    public static IEnumerable<MagicHelp> Register(Kernel kernel, ModelVariables models)
    {
        yield return Add<AccuracyCommand>(kernel, "#!accuracy",
            "Accuracy run over a labelled image folder with a live progress bar; interrupt keeps the partial results.",
            "#!accuracy --model NAME --data DIR [--batch-size 64] [--limit N] [--out DIR [--resume|--overwrite]] [--backend auto|libtorch|onnxruntime] [--name accuracy]\n" +
            "       #!accuracy --run DIR [--name accuracy]",
            [
                Option("--model", "Variable holding a model loaded by #!efficientnet.").AddCompletions(() => models.Names),
                Option("--data", "ImageFolder (class sub-folders) or a flat ImageNet val folder with LOC_val_solution.csv."),
                Option("--class-map", "timm-style class map: one folder name per line."),
                Option(KitOptions.BatchSize),
                Option(KitOptions.Workers),
                Option(KitOptions.Limit),
                Option("--out", "Folder for predictions.csv, per_class.csv, confusion.csv, summary.json."),
                Flag("--resume", "Continue the run recorded in --out."),
                Flag("--overwrite", "Replace the run recorded in --out (its files only)."),
                Flag("--strict", "Stop at the first unreadable image instead of skipping it."),
                Option(KitOptions.Backend),
                Option("--run", "Show the run saved in DIR (an --out of #!accuracy or effnet eval, a shard or a merge) without a model or data."),
                Option("--name", "C# variable that receives the EvalResult (also after an interrupt). Default: accuracy."),
            ],
            (c, ctx) => AccuracyAsync(c, ctx, models));

        yield return Add<BenchmarkCommand>(kernel, "#!benchmark",
            "Inference throughput and latency on synthetic input, per batch size: table and chart.",
            "#!benchmark --model NAME [--batch-size 1,8,32] [--image-size N] [--repeats 10] [--warmup 3] [--threads N] [--backend auto|libtorch|onnxruntime]",
            [
                Option("--model", "Variable holding a model loaded by #!efficientnet.").AddCompletions(() => models.Names),
                Option(KitOptions.BatchSizes),
                Option(KitOptions.ImageSize),
                Option(KitOptions.Warmup),
                Option(KitOptions.Repeats),
                Option(KitOptions.Threads),
                Option(KitOptions.Backend),
            ],
            (c, ctx) => BenchmarkAsync(c, ctx, models));

        yield return Add<CudaInfoCommand>(kernel, "#!cuda-info",
            "What this machine can compute on: the GPUs as the driver sees them, TorchSharp's CUDA (diagnosed when it is missing), the CPU. --watch charts GPU/CPU load and memory live until interrupted.",
            "#!cuda-info [--watch SECONDS] [--samples N]",
            [
                Option("--watch", "Sample every SECONDS and update a chart in place until the cell is interrupted.", ["1", "2", "5"], typeHint: "number"),
                Option("--samples", "With --watch: stop by itself after N samples.", typeHint: "number"),
            ],
            CudaInfoAsync);
    }

    private static async Task AccuracyAsync(AccuracyCommand c, KernelInvocationContext context, ModelVariables models)
    {
        if (c.Run is not null)
        {
            await SavedRunAsync(c, context);
            return;
        }
        var modelName = Require(c.Model, "--model");
        var model = models.Get(modelName);
        var request = new AccuracyRequest
        {
            Data = c.Data, ClassMap = c.ClassMap, BatchSize = Parse(KitOptions.BatchSize, c.BatchSize), Workers = Parse(KitOptions.Workers, c.Workers),
            Limit = Parse(KitOptions.Limit, c.Limit), Out = c.Out, Resume = c.Resume, Overwrite = c.Overwrite, Strict = c.Strict,
            Backend = Parse(KitOptions.Backend, c.Backend),
        };
        var title = $"{modelName} on {(c.Data is null ? "" : Path.GetFileName(Path.GetFullPath(c.Data).TrimEnd('/')))}";
        EvalProgressView? view = null;
        DisplayedValue? bar = null;
        var throttle = Stopwatch.StartNew();
        var progress = new Inline<EvalProgress>(p =>
        {
            // The first report, before any batch, shows the run's size.
            if (view is null)
            {
                view = new EvalProgressView(title, p);
                bar = context.Display(view, "text/html", "text/plain");
                return;
            }
            view = view with { Progress = p };
            if (throttle.ElapsedMilliseconds < 200 && p.Done < p.Total) return;
            bar!.Update(view);
            throttle.Restart();
        });
        var result = await Lab.AccuracyAsync(model, request, progress, line => context.DisplayAs(line, "text/plain"), context.CancellationToken);
        // An interrupt completes the command at once while this handler runs on until the evaluator stops at the
        // next batch; displays after that may go nowhere, so the partial result's lasting home is the variable.
        await CSharp(context).SetValueAsync(c.Name ?? AccuracyRequest.DefaultName, result, typeof(EvalResult));
        if (view is not null) bar!.Update(view with { Finished = result.Completed, Interrupted = !result.Completed });
        context.Display(result, "text/html", "text/plain");
    }

    /// <summary>#!accuracy --run DIR: the saved run read back and shown as a live run's result is.</summary>
    private static async Task SavedRunAsync(AccuracyCommand c, KernelInvocationContext context)
    {
        (string Name, bool Given)[] runOptions =
        [
            ("--model", c.Model is not null), ("--data", c.Data is not null), ("--class-map", c.ClassMap is not null),
            (KitOptions.BatchSize.Name, c.BatchSize is not null), (KitOptions.Workers.Name, c.Workers is not null),
            (KitOptions.Limit.Name, c.Limit is not null), ("--out", c.Out is not null), ("--resume", c.Resume),
            ("--overwrite", c.Overwrite), ("--strict", c.Strict), (KitOptions.Backend.Name, c.Backend is not null),
        ];
        var given = runOptions.Where(o => o.Given).Select(o => o.Name).ToArray();
        if (given.Length > 0)
            throw new ArgumentException(
                $"--run {c.Run} shows a saved run, so {string.Join(", ", given)} cannot go with it (they start a new run: drop --run to evaluate).");
        var result = await Task.Run(() => Lab.OpenRun(c.Run!));
        await CSharp(context).SetValueAsync(c.Name ?? AccuracyRequest.DefaultName, result, typeof(EvalResult));
        context.Display(result, "text/html", "text/plain");
    }

    private static async Task BenchmarkAsync(BenchmarkCommand c, KernelInvocationContext context, ModelVariables models)
    {
        var modelName = Require(c.Model, "--model");
        var model = models.Get(modelName);
        var request = new BenchmarkRequest
        {
            BatchSize = Parse(KitOptions.BatchSizes, c.BatchSize), ImageSize = Parse(KitOptions.ImageSize, c.ImageSize),
            Warmup = Parse(KitOptions.Warmup, c.Warmup), Repeats = Parse(KitOptions.Repeats, c.Repeats),
            Threads = Parse(KitOptions.Threads, c.Threads), Backend = Parse(KitOptions.Backend, c.Backend),
        };
        var status = context.DisplayAs("starting…", "text/plain");
        var throttle = Stopwatch.StartNew();
        var progress = new Inline<string>(line =>
        {
            if (throttle.ElapsedMilliseconds < 200) return;
            status.Update(line);
            throttle.Restart();
        });
        var report = await Lab.BenchmarkAsync(model, request, modelName, progress, line => context.DisplayAs(line, "text/plain"), context.CancellationToken);
        status.Update($"done: {report.Results.Count} batch size(s)");
        context.Display(report, "text/html", "text/plain");
    }

    private static async Task CudaInfoAsync(CudaInfoCommand c, KernelInvocationContext context)
    {
        context.Display(await Task.Run(Lab.DeviceInfo), "text/html", "text/plain");
        if (c.Watch is not double seconds) return;
        DisplayedValue? chart = null;
        var progress = new Inline<WatchResult>(w =>
        {
            if (chart is null) chart = context.Display(w, "text/html", "text/plain");
            else chart.Update(w);
        });
        var result = await Lab.WatchAsync(new WatchRequest { Watch = seconds, Samples = c.Samples }, progress, context.CancellationToken);
        chart?.Update(result);
    }

    private static CSharpKernel CSharp(KernelInvocationContext context) =>
        (context.HandlingKernel.RootKernel as CompositeKernel)?.ChildKernels.OfType<CSharpKernel>().First()
        ?? context.HandlingKernel as CSharpKernel ?? throw new InvalidOperationException("no C# kernel.");
}
