using System.Globalization;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using EfficientNetLab.Models;

namespace EfficientNetLab.Options;

/// <summary>
/// The options the <c>effnet</c> CLI and the notebook magics share: one definition each (name, aliases, default,
/// parse and validation). A verb or magic that needs another default or description uses
/// <see cref="OptionDefinition{T}.WithDefault"/>; the rule for a valid value stays here.
/// </summary>
public static class KitOptions
{
    public static readonly OptionDefinition<string?> Model = new("--model",
        "Variant: b0…b7, v2_s, v2_m, v2_l (torchvision names like efficientnet_b0 work too).", null,
        v => EfficientNetVariants.TryGet(v[0], out var variant) ? variant.Name
            : throw Invalid("--model", $"is one of {string.Join(", ", EfficientNetVariants.All.Select(x => x.Name))}", v[0]))
    {
        Aliases = ["-m"], Suggestions = EfficientNetVariants.All.Select(x => x.Name).ToArray(),
    };

    public static readonly OptionDefinition<string?> Weights = new("--weights",
        "A checkpoint file (.pth zip state dict or .safetensors), published weights (imagenet1k_v1, imagenet1k_v2, default), or 'random'.",
        null, v => string.IsNullOrWhiteSpace(v[0]) ? throw Invalid("--weights", "needs a file, a published tag or 'random'", v[0]) : v[0])
    {
        Aliases = ["-w"], Suggestions = ["imagenet1k_v1", "imagenet1k_v2", "default", "random"],
    };

    public static readonly OptionDefinition<string> Device = new("--device", "auto, cpu, cuda or cuda:N.", "auto", v => ParseDevice(v[0]))
    {
        Suggestions = ["auto", "cpu", "cuda"],
    };

    public static readonly OptionDefinition<InferenceBackend> Backend = new("--backend",
        "auto (the faster on this machine by a short probe, cached; libtorch on CUDA, --half, --channels-last), libtorch (TorchSharp) " +
        "or onnxruntime (CPU; exports the checkpoint once, cached next to it).", InferenceBackend.Auto,
        v => v[0].Trim().ToLowerInvariant() switch
        {
            "auto" => InferenceBackend.Auto,
            "libtorch" or "torch" => InferenceBackend.LibTorch,
            "onnxruntime" or "ort" => InferenceBackend.OnnxRuntime,
            _ => throw Invalid("--backend", "is auto, libtorch or onnxruntime", v[0]),
        })
    {
        Suggestions = ["auto", "libtorch", "onnxruntime"],
    };

    /// <summary>Images per forward pass of an accuracy run (timm's validate.py uses 256; 64 fits a CPU's caches and
    /// a small GPU): <see cref="EvalOptions.DefaultBatchSize"/>.</summary>
    public static readonly OptionDefinition<int> BatchSize = new("--batch-size", "Images per forward pass.", EvalOptions.DefaultBatchSize,
        v => Positive("--batch-size", v[0]))
    {
        Aliases = ["-b"], IsNumeric = true, Suggestions = ["16", "32", "64", "128"],
    };

    /// <summary>A benchmark's batch sizes: positive integers separated by commas.</summary>
    public static readonly OptionDefinition<int[]> BatchSizes = new("--batch-size", "Comma-separated batch sizes.", [1, 8, 32],
        v =>
        {
            var parts = v[0].Split(',', StringSplitOptions.TrimEntries);
            return parts.All(p => IsPositive(p, out _)) ? parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray()
                : throw Invalid("--batch-size", "takes positive integers separated by commas", v[0]);
        })
    {
        Aliases = ["-b"], Suggestions = ["1", "1,8", "1,8,32"],
    };

    public static readonly OptionDefinition<int> Workers = new("--workers", "Decode workers (0 = one per core).", 0,
        v => int.TryParse(v[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n
            : throw Invalid("--workers", "is a whole number ≥ 0 (0 = one per core)", v[0]))
    {
        Aliases = ["-j"], IsNumeric = true,
    };

    public static readonly OptionDefinition<int> TopK = new("--topk", "How many classes to show per image.", 5, v => Positive("--topk", v[0]))
    {
        Aliases = ["-k"], IsNumeric = true, Suggestions = ["1", "3", "5", "10"],
    };

    public static readonly OptionDefinition<int?> Limit = new("--limit", "Use only the first N images.", null, v => Positive("--limit", v[0]))
    {
        IsNumeric = true,
    };

    public static readonly OptionDefinition<Interpolation?> Interpolation = new("--interpolation",
        "bilinear or bicubic (Pillow's antialiased filters).", null,
        v => v[0].Trim().ToLowerInvariant() switch
        {
            "nearest" => Imaging.Interpolation.Nearest,
            "bilinear" => Imaging.Interpolation.Bilinear,
            "bicubic" => Imaging.Interpolation.Bicubic,
            _ => throw Invalid("--interpolation", "is nearest, bilinear or bicubic", v[0]),
        })
    {
        Suggestions = ["bilinear", "bicubic"],
    };

    public static readonly OptionDefinition<int?> ImgSize = new("--img-size", "Crop size (timm's --img-size); the resize follows crop-pct.", null,
        v => Positive("--img-size", v[0]))
    {
        IsNumeric = true,
    };

    public static readonly OptionDefinition<double?> CropPct = new("--crop-pct", "crop / resize ratio (timm's --crop-pct), e.g. 0.875.", null,
        v => double.TryParse(v[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var p) && p > 0 && p <= 1 ? p
            : throw Invalid("--crop-pct", "is a number in (0, 1]", v[0]))
    {
        IsNumeric = true,
    };

    public static readonly OptionDefinition<float[]?> Mean = new("--mean", "Per-channel mean, three values (R G B).", null,
        v => Floats("--mean", v, positive: false))
    {
        Arity = 3,
    };

    public static readonly OptionDefinition<float[]?> Std = new("--std", "Per-channel std, three values (R G B).", null,
        v => Floats("--std", v, positive: true))
    {
        Arity = 3,
    };

    public static readonly OptionDefinition<DecoderKind> Decoder = new("--decoder",
        "skia (PIL-exact; JPEG through TurboJPEG when installed) or imagesharp (managed; JPEG differs by a few levels).", DecoderKind.Skia,
        v => v[0].Trim().ToLowerInvariant() switch
        {
            "skia" => DecoderKind.Skia,
            "imagesharp" => DecoderKind.ImageSharp,
            _ => throw Invalid("--decoder", "is skia or imagesharp", v[0]),
        })
    {
        Suggestions = ["skia", "imagesharp"],
    };

    public static readonly OptionDefinition<int?> ImageSize = new("--image-size", "Input side (default: the weights' eval crop).", null,
        v => Positive("--image-size", v[0]))
    {
        IsNumeric = true,
    };

    public static readonly OptionDefinition<int> Warmup = new("--warmup", "Untimed passes per batch size.", 3,
        v => int.TryParse(v[0], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw Invalid("--warmup", "is a whole number ≥ 0", v[0]))
    {
        IsNumeric = true,
    };

    public static readonly OptionDefinition<int> Repeats = new("--repeats", "Timed passes per batch size (median reported).", 10,
        v => Positive("--repeats", v[0]))
    {
        IsNumeric = true,
    };

    public static readonly OptionDefinition<int?> Threads = new("--threads", "Intra-op threads for the run: torch.set_num_threads, and ONNX Runtime's session when it runs the model.", null,
        v => Positive("--threads", v[0]))
    {
        IsNumeric = true,
    };

    private static OptionValueException Invalid(string option, string rule, string value) => new(option, $"{option} {rule}, got '{value}'.");

    /// <summary>Digits only: no sign, spaces, thousands separators or hex, as a command line means a count.</summary>
    private static bool IsPositive(string text, out int value) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value > 0;

    private static int Positive(string option, string text) =>
        IsPositive(text, out var n) ? n : throw Invalid(option, "is a whole number ≥ 1", text);

    private static float[] Floats(string option, IReadOnlyList<string> values, bool positive)
    {
        var result = new float[values.Count];
        for (int i = 0; i < values.Count; i++)
            if (!float.TryParse(values[i], NumberStyles.Float, CultureInfo.InvariantCulture, out result[i]) || !float.IsFinite(result[i]) || (positive && result[i] <= 0))
                throw Invalid(option, positive ? "takes three positive numbers (R G B)" : "takes three numbers (R G B)", string.Join(' ', values));
        return result;
    }

    private static string ParseDevice(string text)
    {
        var s = text.Trim().ToLowerInvariant();
        return s is "auto" or "cpu" or "cuda" || (s.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(s[5..], NumberStyles.None, CultureInfo.InvariantCulture, out _))
            ? s : throw Invalid("--device", "is auto, cpu, cuda or cuda:N", text);
    }
}
