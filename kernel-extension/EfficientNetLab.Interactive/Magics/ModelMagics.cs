using System.Diagnostics;
using System.Text.Json;
using EfficientNetLab.Data;
using EfficientNetLab.Devices;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using EfficientNetLab.Interactive.Formatting;
using EfficientNetLab.Interactive.Hosting;
using EfficientNetLab.Weights;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using TorchSharp;
using Html = EfficientNetLab.Interactive.Formatting.Html;
using static EfficientNetLab.Interactive.Magics.Magic;

namespace EfficientNetLab.Interactive.Magics;

public sealed class EfficientNetCommand : MagicCommand
{
    public string? Model { get; set; }
    public string? Weights { get; set; }
    public string? Device { get; set; }
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
    public int Topk { get; set; } = 5;
}

public sealed class PreprocessCommand : MagicCommand
{
    public string? Image { get; set; }
    public string? Model { get; set; }
}

/// <summary>#!efficientnet, #!classify and #!preprocess: the CLI's predict/preprocess as notebook views.</summary>
internal static class ModelMagics
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(2) };

    public static IEnumerable<MagicHelp> Register(Kernel kernel, ModelVariables models)
    {
        yield return Add<EfficientNetCommand>(kernel, "#!efficientnet",
            "Load an EfficientNet into a C# variable and show its model card.",
            "#!efficientnet --model b0 --weights imagenet1k_v1|FILE|random [--device auto|cpu|cuda] [--half] [--channels-last] [--name model]",
            [
                Option("--model", "Variant: b0…b7, v2_s, v2_m, v2_l (optional with a self-describing checkpoint file).", Variants),
                Option("--weights", "Published weights (imagenet1k_v1, imagenet1k_v2, default), a checkpoint file, or random. Default: default.", WeightTags),
                Option("--device", "auto (default), cpu, cuda or cuda:N.", Magic.Devices),
                Flag("--half", "Convert the model to float16 (GPU)."),
                Flag("--channels-last", "Run #!accuracy and #!benchmark with NHWC-strided inputs."),
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
                Option("--topk", "Classes shown per image. Default: 5.", ["1", "3", "5", "10"], typeHint: "number"),
            ],
            (c, ctx) => ClassifyAsync(c, ctx, models));

        yield return Add<PreprocessCommand>(kernel, "#!preprocess",
            "Show what the eval transform does to an image: original, resized, cropped, normalized channels.",
            "#!preprocess IMAGE [--model VARIANT|NAME]",
            [
                Option("--image", "The image file.", implicitName: true),
                Option("--model", "Variant whose published preset to use (default b0), or a model variable (its own preset).", Variants),
            ],
            (c, ctx) => PreprocessAsync(c, ctx, models));
    }

    private static async Task LoadAsync(EfficientNetCommand c, KernelInvocationContext context, ModelVariables models)
    {
        var name = c.Name ?? "model";
        var weights = c.Weights ?? "default";
        DisplayedValue? bar = null;
        var lastUpdate = Stopwatch.StartNew();
        var progress = new Inline<DownloadProgress>(p =>
        {
            var view = new DownloadView(weights, p);
            if (bar is null) bar = context.Display(view, "text/html", "text/plain");
            else if (lastUpdate.ElapsedMilliseconds > 250 || p.Received == p.Total)
            {
                bar.Update(view);
                lastUpdate.Restart();
            }
        });
        var loaded = await ModelLoader.LoadAsync(c.Model, weights, c.BaseUrl, progress, context.CancellationToken);
        try
        {
            loaded.Place(c.Device ?? ComputeDevice.Auto, c.Half, c.ChannelsLast);
            await models.SetAsync(name, loaded);
            long parameterBytes = loaded.Model.parameters().Sum(p => p.numel() * p.element_size());
            var sha = loaded.WeightsPath is { } path ? Formatters.Sha256Of(path) : null;
            context.Display(new ModelCard(name, loaded, sha, parameterBytes, Environment.WorkingSet), "text/html", "text/plain");
        }
        catch
        {
            loaded.Dispose();
            throw;
        }
    }

    private static async Task ClassifyAsync(ClassifyCommand c, KernelInvocationContext context, ModelVariables models)
    {
        var model = models.Get(Require(c.Model, "--model"));
        if (c.Topk < 1) throw new ArgumentException($"--topk must be at least 1, got {c.Topk}.");
        var sources = Sources(c.Image);
        var predictor = new Predictor(model);
        var items = new List<GalleryItem>();
        foreach (var source in sources)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            var path = await LocalPathAsync(source, context.CancellationToken);
            var image = ImageDecoder.Decode(path);
            var top = predictor.Classify(path, c.Topk);
            items.Add(new GalleryItem(source, Html.PngDataUri(image, 160), top, null));
        }
        context.Display(new PredictionGallery(c.Model!, items), "text/html", "text/plain");
    }

    /// <summary>Files, the images of folders (flat or ImageFolder: <see cref="ImageFolder.List"/>), and URLs, in the order given.</summary>
    internal static IReadOnlyList<string> Sources(JsonElement? value)
    {
        string[] given = value switch
        {
            { ValueKind: JsonValueKind.String } s => [s.GetString()!],
            { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? e.GetString()! : e.GetRawText()).ToArray(),
            null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => throw new ArgumentException("give an image, a folder or a URL."),
            { } other => [other.GetRawText()],
        };
        var result = new List<string>();
        foreach (var s in given)
        {
            if (IsUrl(s)) result.Add(s);
            else if (Directory.Exists(s)) result.AddRange(ImageFolder.List(s).Paths);
            else if (File.Exists(s)) result.Add(s);
            else throw new FileNotFoundException($"{s}: no such file or folder.", s);
        }
        return result;
    }

    private static bool IsUrl(string s) =>
        Uri.TryCreate(s, UriKind.Absolute, out var u) && (u.Scheme == Uri.UriSchemeHttp || u.Scheme == Uri.UriSchemeHttps);

    /// <summary>A URL is downloaded once per kernel session into a temporary folder, keeping its file name.</summary>
    private static async Task<string> LocalPathAsync(string source, CancellationToken ct)
    {
        if (!IsUrl(source)) return source;
        var uri = new Uri(source);
        var dir = Path.Combine(Path.GetTempPath(), "effnet-interactive", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source)))[..16]);
        var file = Path.Combine(dir, Path.GetFileName(uri.LocalPath) is { Length: > 0 } n ? n : "image");
        if (File.Exists(file)) return file;
        Directory.CreateDirectory(dir);
        using var response = await Http.GetAsync(uri, ct);
        if (!response.IsSuccessStatusCode) throw new HttpRequestException($"{source}: HTTP {(int)response.StatusCode} {response.ReasonPhrase}.");
        var tmp = file + ".part";
        await using (var fs = File.Create(tmp)) await response.Content.CopyToAsync(fs, ct);
        File.Move(tmp, file, overwrite: true);
        return file;
    }

    private static Task PreprocessAsync(PreprocessCommand c, KernelInvocationContext context, ModelVariables models)
    {
        var path = Require(c.Image, "IMAGE");
        var preset = PresetFor(c.Model ?? "b0", models);
        var original = ImageDecoder.Decode(path);
        var (w, h) = Preprocessor.ResizedSize(original.Width, original.Height, preset.ResizeSize);
        var resized = PillowResampler.Resize(original, w, h, preset.Interpolation);
        var cropped = Cropped(resized, preset.CropSize);
        var normalized = new Preprocessor(preset).Process(original);
        int plane = preset.CropSize * preset.CropSize;
        var stats = Enumerable.Range(0, 3).Select(ch =>
        {
            var span = normalized.AsSpan(ch * plane, plane);
            float min = float.MaxValue, max = float.MinValue;
            double sum = 0;
            foreach (var v in span) { min = Math.Min(min, v); max = Math.Max(max, v); sum += v; }
            return (min, max, (float)(sum / plane));
        }).ToArray();
        context.Display(new PreprocessView(path, preset, original, resized, cropped, normalized, stats), "text/html", "text/plain");
        return Task.CompletedTask;
    }

    /// <summary>The center crop as torchvision takes it: offsets rounded half to even (Python's round).</summary>
    private static RgbImage Cropped(RgbImage resized, int crop)
    {
        int top = (int)Math.Round((resized.Height - crop) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((resized.Width - crop) / 2.0, MidpointRounding.ToEven);
        var image = new RgbImage(crop, crop);
        for (int y = 0; y < crop; y++)
        {
            int sy = y + top;
            if (sy < 0 || sy >= resized.Height) continue; // torchvision pads with zeros where the crop overhangs
            for (int x = 0; x < crop; x++)
            {
                int sx = x + left;
                if (sx < 0 || sx >= resized.Width) continue;
                resized.Pixels.AsSpan((sy * resized.Width + sx) * 3, 3).CopyTo(image.Pixels.AsSpan((y * crop + x) * 3, 3));
            }
        }
        return image;
    }

    private static EvalPreset PresetFor(string model, ModelVariables models)
    {
        if (Models.EfficientNetVariants.TryGet(model, out var variant))
            return CheckpointRegistry.Default(variant.Name).Preset;
        return models.Get(model).Preset;
    }
}

/// <summary>IProgress that reports on the caller's thread: Progress&lt;T&gt; would post to a thread pool and
/// could update a display after the magic has finished.</summary>
internal sealed class Inline<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
