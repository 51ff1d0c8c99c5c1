using System.Globalization;
using System.Net;
using EfficientNetLab.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace EfficientNetLab.Reports;

/// <summary>Small HTML building blocks shared by the formatters; every view is self-contained inline HTML.</summary>
internal static class Html
{
    public static string E(object? value) => WebUtility.HtmlEncode(Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");

    public static string F(double value, string format = "0.###") => value.ToString(format, CultureInfo.InvariantCulture);

    public const string CardStyle = "font-family:system-ui,sans-serif;font-size:13px;border:1px solid #ccc;border-radius:6px;padding:8px 12px;margin:4px 0;display:inline-block;max-width:100%";

    public static string Card(string title, string body) =>
        $"<div class=\"effnet-card\" style=\"{CardStyle}\"><div style=\"font-weight:600;margin-bottom:4px\">{E(title)}</div>{body}</div>";

    /// <summary>A two-column key/value table.</summary>
    public static string Table(IEnumerable<(string Key, string HtmlValue)> rows) =>
        "<table style=\"border-collapse:collapse\">" +
        string.Concat(rows.Select(r => $"<tr><th style=\"text-align:left;padding:1px 10px 1px 0;font-weight:500;color:#555\">{E(r.Key)}</th><td style=\"text-align:left;padding:1px 0\">{r.HtmlValue}</td></tr>")) +
        "</table>";

    public static string Grid(IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) =>
        "<table style=\"border-collapse:collapse;font-size:12px\"><tr>" +
        string.Concat(header.Select(h => $"<th style=\"padding:2px 8px;border-bottom:1px solid #999;text-align:left\">{E(h)}</th>")) + "</tr>" +
        string.Concat(rows.Select(r => "<tr>" + string.Concat(r.Select(c => $"<td style=\"padding:1px 8px;text-align:left\">{c}</td>")) + "</tr>")) +
        "</table>";

    public static string Bar(double fraction, string label, string color = "#4c78a8", int width = 220) =>
        $"<div style=\"display:flex;align-items:center;gap:6px;margin:1px 0\"><div style=\"width:{width}px;background:#eee;height:12px;border-radius:2px\">" +
        $"<div style=\"width:{F(Math.Clamp(fraction, 0, 1) * 100, "0.#")}%;background:{color};height:12px;border-radius:2px\"></div></div><span>{label}</span></div>";

    public static string Img(string dataUri, string alt, int? maxSide = null) =>
        $"<img src=\"{dataUri}\" alt=\"{E(alt)}\" style=\"image-rendering:auto;{(maxSide is int m ? $"max-width:{m}px;max-height:{m}px" : "")}\"/>";

    /// <summary>An RGB image as an inline PNG, scaled down (<see cref="RgbImage.Thumbnail"/>) so that its longer side
    /// is at most <paramref name="maxSide"/>.</summary>
    public static string PngDataUri(RgbImage image, int? maxSide = null)
    {
        var shown = maxSide is int m ? image.Thumbnail(m) : image;
        using var img = Image.LoadPixelData<Rgb24>(shown.Pixels, shown.Width, shown.Height);
        return PngDataUri(img);
    }

    private static string PngDataUri(Image img)
    {
        using var ms = new MemoryStream();
        img.SaveAsPng(ms);
        return "data:image/png;base64," + Convert.ToBase64String(ms.ToArray());
    }

    /// <summary>A single float plane as a grayscale PNG, stretched from its own min..max.</summary>
    public static string PlanePngDataUri(ReadOnlySpan<float> plane, int width, int height, float min, float max)
    {
        var bytes = new byte[width * height];
        float range = max > min ? max - min : 1;
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)Math.Clamp((plane[i] - min) / range * 255f + 0.5f, 0, 255);
        using var img = Image.LoadPixelData<L8>(bytes, width, height);
        return PngDataUri(img);
    }

    public static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{F(bytes / (double)(1L << 30), "0.00")} GiB",
        >= 1L << 20 => $"{F(bytes / (double)(1L << 20), "0.0")} MiB",
        >= 1L << 10 => $"{F(bytes / 1024.0, "0.0")} KiB",
        _ => $"{bytes} B",
    };

    public static string Duration(TimeSpan t) => t.TotalHours >= 1 ? t.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : t.ToString(@"m\:ss", CultureInfo.InvariantCulture);
}
