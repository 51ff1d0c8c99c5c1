using System.Diagnostics;
using System.Text.Json;
using EfficientNetLab.Devices;
using EfficientNetLab.Reports;
using EfficientNetLab.Interactive.Hosting;
using EfficientNetLab.Options;
using EfficientNetLab.Weights;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using static EfficientNetLab.Interactive.Magics.Magic;

namespace EfficientNetLab.Interactive.Magics;

public sealed class EfficientNetCommand : MagicCommand
{
    public JsonElement? Model { get; set; }
    public JsonElement? Weights { get; set; }
    public JsonElement? Device { get; set; }
    public bool Half { get; set; }
    public bool ChannelsLast { get; set; }
    public string? Name { get; set; }
    public string? BaseUrl { get; set; }
}

public sealed class ClassifyCommand : MagicCommand
{
    public string? Model { get; set; }
    /// <summary>A path, folder or URL, or a JSON array of them.</summary>
    public JsonElement? Image { get; set; }
    public JsonElement? Topk { get; set; }
}

public sealed class PreprocessCommand : MagicCommand
{
    public string? Image { get; set; }
    public string? Model { get; set; }
}

/// <summary>#!efficientnet, #!classify and #!preprocess: the CLI's predict/preprocess as notebook views.</summary>
internal static class ModelMagics
{
    public static IEnumerable<MagicHelp> Register(Kernel kernel, ModelVariables models)
    {
        yield return Add<EfficientNetCommand>(kernel, "#!efficientnet",
            "Load an EfficientNet into a C# variable and show its model card.",
            "#!efficientnet --model b0 --weights imagenet1k_v1|FILE|random [--device auto|cpu|cuda] [--half] [--channels-last] [--name model]",
            [
                Option(LoadRequest.ModelOption),
                Option(LoadRequest.WeightsOption),
                Option(KitOptions.Device),
                Flag("--half", "Convert the model to float16 (GPU)."),
                Flag("--channels-last", "#!accuracy and #!benchmark: " + ModelPlacement.ChannelsLastHelp),
                Option("--name", "C# variable that receives the LoadedModel. Default: model."),
                Option("--base-url", "Mirror that replaces torchvision's download host."),
            ],
            (c, ctx) => LoadAsync(c, ctx, models));

        yield return Add<ClassifyCommand>(kernel, "#!classify",
            "Classify images with a loaded model: thumbnails with the top-k classes.",
            "#!classify --model NAME IMAGE|DIR|URL [--topk 5]   (several: [\"a.jpg\",\"b.jpg\"])",
            [
                Option("--model", "Variable holding a model loaded by #!efficientnet.", typeHint: "text").AddCompletions(() => models.Names),
                Option("--image", "An image file, a folder of images, an http(s) URL, or a JSON array of them.", implicitName: true),
                Option(KitOptions.TopK),
            ],
            (c, ctx) => ClassifyAsync(c, ctx, models));

        yield return Add<PreprocessCommand>(kernel, "#!preprocess",
            "Show what the eval transform does to an image: original, resized, cropped, normalized channels.",
            "#!preprocess IMAGE [--model VARIANT|NAME]",
            [
                Option("--image", "The image file.", implicitName: true),
                Option("--model", $"Variant whose published preset to use (default {PreprocessRequest.ModelOption.Default}), or a model variable (its own preset).", Variants),
            ],
            (c, ctx) => PreprocessAsync(c, ctx, models));
    }

    private static async Task LoadAsync(EfficientNetCommand c, KernelInvocationContext context, ModelVariables models)
    {
        var name = c.Name ?? LoadRequest.DefaultName;
        var request = new LoadRequest
        {
            Model = Text(c.Model), Weights = Text(c.Weights), Device = Text(c.Device), Half = c.Half, ChannelsLast = c.ChannelsLast, BaseUrl = c.BaseUrl,
        };
        var what = request.Weights ?? LoadRequest.WeightsOption.Default!;
        DisplayedValue? bar = null;
        var lastUpdate = Stopwatch.StartNew();
        var progress = new Inline<DownloadProgress>(p =>
        {
            var view = new DownloadView(what, p);
            if (bar is null) bar = context.Display(view, "text/html", "text/plain");
            else if (lastUpdate.ElapsedMilliseconds > 250 || p.Received == p.Total)
            {
                bar.Update(view);
                lastUpdate.Restart();
            }
        });
        var loaded = await Lab.LoadAsync(request, progress, context.CancellationToken);
        try
        {
            await models.SetAsync(name, loaded);
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
        context.Display(Lab.Card(loaded, name), "text/html", "text/plain");
    }

    private static async Task ClassifyAsync(ClassifyCommand c, KernelInvocationContext context, ModelVariables models)
    {
        var modelName = Require(c.Model, "--model");
        var model = models.Get(modelName);
        var request = new ClassifyRequest { Image = Images(c.Image), Topk = Parse(KitOptions.TopK, c.Topk) };
        context.Display(await Lab.ClassifyAsync(model, request, modelName, cancellationToken: context.CancellationToken), "text/html", "text/plain");
    }

    /// <summary>IMAGE as typed: one path, folder or URL, or a JSON array of them.</summary>
    private static string[] Images(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.String } s => [s.GetString()!],
        { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).ToArray(),
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => [],
        { } other => [other.GetRawText()],
    };

    /// <summary>--model names a variant (its published preset) or a model variable (the model's own preset).</summary>
    private static Task PreprocessAsync(PreprocessCommand c, KernelInvocationContext context, ModelVariables models)
    {
        var result = c.Model is null || Models.EfficientNetVariants.TryGet(c.Model, out _)
            ? Lab.Preprocess(new PreprocessRequest { Image = c.Image, Model = c.Model })
            : Lab.Preprocess(Require(c.Image, "IMAGE"), models.Get(c.Model));
        context.Display(result, "text/html", "text/plain");
        return Task.CompletedTask;
    }
}

/// <summary>IProgress that reports on the caller's thread: Progress&lt;T&gt; would post to a thread pool and
/// could update a display after the magic has finished.</summary>
internal sealed class Inline<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
