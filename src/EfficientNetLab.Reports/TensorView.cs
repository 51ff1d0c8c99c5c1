using EfficientNetLab.Imaging;
using TorchSharp;
using static EfficientNetLab.Reports.Html;
using static TorchSharp.torch;

namespace EfficientNetLab.Reports;

/// <summary>A tensor's shape, dtype, device and statistics; an image tensor is also drawn.</summary>
internal static class TensorView
{
    private readonly record struct Stats(double Min, double Max, double Mean, double Std);

    public static string Html(Tensor t)
    {
        var rows = new List<(string, string)>
        {
            ("shape", $"[{string.Join(", ", t.shape)}]"), ("dtype", E(t.dtype)), ("device", E(t.device)),
        };
        if (Statistics(t) is { } s)
            rows.Add(("values", $"min {F(s.Min, "0.####")}, max {F(s.Max, "0.####")}, mean {F(s.Mean, "0.####")}, std {F(s.Std, "0.####")}"));
        var image = ImageOf(t, out var note);
        return Card("Tensor", Table(rows) + (image is null ? "" : $"<div>{Img(PngDataUri(image, 256), "tensor as image", 256)}<div style=\"font-size:11px;color:#666\">{E(note)}</div></div>"));
    }

    public static string Text(Tensor t) =>
        $"Tensor [{string.Join(", ", t.shape)}] {t.dtype} on {t.device}" +
        (Statistics(t) is { } s ? $": min {F(s.Min, "0.####")}, max {F(s.Max, "0.####")}, mean {F(s.Mean, "0.####")}, std {F(s.Std, "0.####")}" : "");

    private static Stats? Statistics(Tensor t)
    {
        if (t.numel() == 0 || t.dtype == ScalarType.Bool || t.is_complex()) return null;
        using var scope = NewDisposeScope();
        var d = t.detach().to(ScalarType.Float64);
        return new Stats(d.min().item<double>(), d.max().item<double>(), d.mean().item<double>(), t.numel() > 1 ? d.std().item<double>() : 0);
    }

    /// <summary>
    /// 3×H×W or 1×3×H×W as RGB. Values in [0,1] are taken as they are, values up to 255 as bytes; anything with
    /// negatives is taken to be ImageNet-normalized (what the kit's preprocessing produces) and un-normalized.
    /// </summary>
    internal static RgbImage? ImageOf(Tensor t, out string note)
    {
        note = "";
        var shape = t.shape;
        bool chw = shape.Length == 3 && shape[0] == 3, nchw = shape.Length == 4 && shape[0] == 1 && shape[1] == 3;
        if (!(chw || nchw) || t.is_complex() || t.dtype == ScalarType.Bool) return null;
        int h = (int)shape[^2], w = (int)shape[^1];
        if (h < 1 || w < 1 || (long)h * w > 16_000_000) return null;
        using var scope = NewDisposeScope();
        var x = t.detach().cpu().to(ScalarType.Float32).reshape(3, h, w);
        double min = x.min().item<float>(), max = x.max().item<float>();
        if (min < 0)
        {
            var mean = tensor(EvalPreset.ImageNetMean).reshape(3, 1, 1);
            var std = tensor(EvalPreset.ImageNetStd).reshape(3, 1, 1);
            x = x * std + mean;
            note = "drawn un-normalized with ImageNet mean/std";
        }
        else if (max > 1.5)
        {
            x = x / 255f;
            note = "drawn as 0–255";
        }
        else note = "drawn as 0–1";
        var bytes = (x.clamp(0, 1) * 255f).round().to(ScalarType.Byte).permute(1, 2, 0).contiguous().data<byte>().ToArray();
        return new RgbImage(w, h, bytes);
    }
}
