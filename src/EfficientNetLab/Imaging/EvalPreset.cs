using System.Text.Json.Nodes;

namespace EfficientNetLab.Imaging;

/// <summary>Resampling filters offered by torchvision's presets and timm's <c>--interpolation</c>.</summary>
public enum Interpolation { Nearest, Bilinear, Bicubic }

/// <summary>
/// The eval transform of a weight (torchvision's <c>ImageClassification</c>): resize the shorter side to
/// <see cref="ResizeSize"/>, center-crop <see cref="CropSize"/>, scale to [0,1], normalize.
/// </summary>
public sealed record EvalPreset(int CropSize, int ResizeSize, Interpolation Interpolation, float[] Mean, float[] Std)
{
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    /// <summary>
    /// The classic ImageNet eval transform (resize 256 bicubic, crop 224, ImageNet mean/std; torchvision's B0
    /// preset). Fine-tuning uses it when neither its starting weights nor the options say otherwise; a variant's
    /// default preset is another thing: <see cref="Weights.CheckpointRegistry.Default"/>'s.
    /// </summary>
    public static readonly EvalPreset ImageNet = new(224, 256, Interpolation.Bicubic, ImageNetMean, ImageNetStd);

    /// <summary>timm's view of the same transform: crop / resize.</summary>
    public double CropPct => (double)CropSize / ResizeSize;

    /// <summary>
    /// timm-style overrides. <paramref name="imgSize"/> changes the crop and keeps the crop fraction unless
    /// <paramref name="cropPct"/> is given; the resize size follows timm's <c>floor(img_size / crop_pct)</c>.
    /// </summary>
    public EvalPreset With(int? imgSize = null, double? cropPct = null, Interpolation? interpolation = null,
        float[]? mean = null, float[]? std = null)
    {
        if (cropPct is <= 0 or > 1) throw new ArgumentOutOfRangeException(nameof(cropPct), cropPct, "crop-pct must be in (0, 1].");
        if (imgSize is < 1) throw new ArgumentOutOfRangeException(nameof(imgSize), imgSize, "img-size must be positive.");
        if (mean is not null && mean.Length != 3) throw new ArgumentException("mean needs 3 values (R G B).", nameof(mean));
        if (std is not null && (std.Length != 3 || std.Any(s => s <= 0))) throw new ArgumentException("std needs 3 positive values (R G B).", nameof(std));
        int crop = imgSize ?? CropSize;
        int resize = imgSize is null && cropPct is null ? ResizeSize : (int)Math.Floor(crop / (cropPct ?? CropPct));
        return new EvalPreset(crop, resize, interpolation ?? Interpolation, mean ?? Mean, std ?? Std);
    }

    /// <summary>
    /// The preset's one JSON shape — summaries, checkpoint sidecars, ONNX metadata, every <c>--json</c>: the
    /// arguments of torchvision's <c>ImageClassification</c> (crop_size, resize_size, interpolation, mean, std).
    /// </summary>
    public JsonObject ToJson() => new()
    {
        ["crop_size"] = CropSize,
        ["resize_size"] = ResizeSize,
        ["interpolation"] = Interpolation.ToString().ToLowerInvariant(),
        ["mean"] = new JsonArray(Mean.Select(v => (JsonNode?)v).ToArray()),
        ["std"] = new JsonArray(Std.Select(v => (JsonNode?)v).ToArray()),
    };

    /// <summary>Reads <see cref="ToJson"/>'s shape; mean and std default to ImageNet's, as in sidecars written before they were required.</summary>
    public static EvalPreset FromJson(JsonObject p) => new(
        p["crop_size"]!.GetValue<int>(),
        p["resize_size"]!.GetValue<int>(),
        Enum.Parse<Interpolation>(p["interpolation"]!.GetValue<string>(), ignoreCase: true),
        p["mean"]?.AsArray().Select(v => v!.GetValue<float>()).ToArray() ?? ImageNetMean,
        p["std"]?.AsArray().Select(v => v!.GetValue<float>()).ToArray() ?? ImageNetStd);

    public override string ToString() =>
        $"resize {ResizeSize} ({Interpolation.ToString().ToLowerInvariant()}), crop {CropSize}, " +
        $"mean [{string.Join(", ", Mean)}], std [{string.Join(", ", Std)}]";

    public bool Equals(EvalPreset? other) => other is not null && CropSize == other.CropSize &&
        ResizeSize == other.ResizeSize && Interpolation == other.Interpolation &&
        Mean.SequenceEqual(other.Mean) && Std.SequenceEqual(other.Std);

    public override int GetHashCode() => HashCode.Combine(CropSize, ResizeSize, Interpolation);
}
