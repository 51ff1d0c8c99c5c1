using System.Text.Json;
using System.Text.Json.Serialization;
using EfficientNetLab.Imaging;
using EfficientNetLab.Models;

namespace EfficientNetLab.Weights;

/// <summary>
/// torchvision's published EfficientNet checkpoints, as data (Weights/Data/torchvision-efficientnet.json, taken
/// from torchvision's efficientnet.py after the 0.17 rename of the V1 files).
/// </summary>
public static class CheckpointRegistry
{
    public const string DefaultBaseUrl = "https://download.pytorch.org/models";

    private static readonly Lazy<IReadOnlyList<PublishedWeights>> entries = new(Load);

    public static IReadOnlyList<PublishedWeights> All => entries.Value;

    /// <summary>The checkpoints of one variant, in the registry's order (torchvision's enum order).</summary>
    public static IEnumerable<PublishedWeights> ForVariant(string variant)
    {
        var name = EfficientNetVariants.Get(variant).Name;
        return All.Where(w => w.Variant == name);
    }

    /// <summary>
    /// A variant's default weights, as torchvision's <c>Weights.DEFAULT</c>: the published entry with the highest
    /// top-1 (<c>EfficientNet_B1_Weights.IMAGENET1K_V2</c> for B1). Its preset is the variant's default preset:
    /// the one used for files that carry none and for <c>--weights random</c>.
    /// </summary>
    public static PublishedWeights Default(string variant) => ForVariant(variant).MaxBy(w => w.Acc1)
        ?? throw new InvalidDataException($"The weights registry has no entry for {variant}.");

    /// <summary>
    /// Resolves <c>imagenet1k_v1</c>, <c>IMAGENET1K_V2</c>, <c>default</c> or torchvision's full enum name for a variant.
    /// </summary>
    public static PublishedWeights Get(string variant, string tag = "default")
    {
        var t = tag.Trim();
        int dot = t.LastIndexOf('.');
        if (dot >= 0) t = t[(dot + 1)..];
        t = t.ToLowerInvariant();
        if (t == "default") return Default(variant);
        var candidates = ForVariant(variant).ToList();
        return candidates.FirstOrDefault(w => w.Tag == t) ?? throw new ArgumentException(
            $"efficientnet_{EfficientNetVariants.Get(variant).Name} has no '{tag}' weights. " +
            $"Available: {string.Join(", ", candidates.Select(w => w.Tag))}.", nameof(tag));
    }

    /// <summary>True when <paramref name="value"/> names published weights rather than a file.</summary>
    public static bool IsTag(string value) =>
        value.Equals("default", StringComparison.OrdinalIgnoreCase) ||
        All.Any(w => w.Tag.Equals(value, StringComparison.OrdinalIgnoreCase) ||
                     w.TorchvisionName.Equals(value, StringComparison.OrdinalIgnoreCase));

    /// <summary>The published entry whose file name equals the given path's, e.g. a file from the torch-hub cache.</summary>
    public static PublishedWeights? FindByFileName(string path)
    {
        var name = Path.GetFileName(path);
        return All.FirstOrDefault(w => w.FileName.Equals(name, StringComparison.Ordinal));
    }

    private sealed record Row(string Variant, string Tag, string Url, string FileName, double Acc1, double Acc5,
        long Params, double Gflops, double FileSizeMB, PresetRow Preset);

    private sealed record PresetRow(int CropSize, int ResizeSize, string Interpolation, float[] Mean, float[] Std);

    private static IReadOnlyList<PublishedWeights> Load()
    {
        using var stream = EmbeddedData.Open("torchvision-efficientnet.json");
        var rows = JsonSerializer.Deserialize<Row[]>(stream, new JsonSerializerOptions { PropertyNameCaseInsensitive = true })
                   ?? throw new InvalidDataException("The weights registry is empty.");
        return rows.Select(r => new PublishedWeights(r.Variant, r.Tag, new Uri(r.Url), r.FileName, r.Acc1, r.Acc5,
            r.Params, r.Gflops, r.FileSizeMB,
            new EvalPreset(r.Preset.CropSize, r.Preset.ResizeSize,
                Enum.Parse<Interpolation>(r.Preset.Interpolation, ignoreCase: true), r.Preset.Mean, r.Preset.Std))).ToArray();
    }
}
