using System.Text;
using static EfficientNetLab.Reports.Html;

namespace EfficientNetLab.Reports;

/// <summary>#!preprocess: every stage of the eval transform, with sizes and value ranges.</summary>
internal static class PreprocessView
{
    public static string Html(PreprocessResult v)
    {
        var (preset, stages, stats) = (v.Stages.Preset, v.Stages, v.Stages.ChannelStats());
        int crop = preset.CropSize, plane = crop * crop;
        string Panel(string title, string img, string caption) =>
            $"<figure style=\"margin:0 8px 0 0;text-align:center\">{img}<figcaption style=\"font-size:12px\"><b>{E(title)}</b><br/>{caption}</figcaption></figure>";
        var sb = new StringBuilder($"<div class=\"effnet-preprocess\" style=\"font-family:system-ui,sans-serif\"><div style=\"font-size:12px;margin-bottom:4px\">{E(v.Path)} — {E(preset.ToString())}</div><div style=\"display:flex;align-items:flex-end;flex-wrap:wrap\">");
        sb.Append(Panel("original", Img(PngDataUri(stages.Decoded, 256), "original", 256), $"{stages.Decoded.Width}×{stages.Decoded.Height}, uint8 0–255"));
        sb.Append(Panel("resized", Img(PngDataUri(stages.Resized, 256), "resized", 256), $"{stages.Resized.Width}×{stages.Resized.Height} ({preset.Interpolation.ToString().ToLowerInvariant()})"));
        sb.Append(Panel("center crop", Img(PngDataUri(stages.Cropped), "cropped"), $"{crop}×{crop} at ({stages.CropLeft}, {stages.CropTop})"));
        string[] channel = ["R", "G", "B"];
        for (int c = 0; c < 3; c++)
        {
            var (min, max, mean) = stats[c];
            sb.Append(Panel($"normalized {channel[c]}", Img(PlanePngDataUri(stages.Normalized.AsSpan(c * plane, plane), crop, crop, min, max), channel[c]),
                $"float32 [{F(min, "0.000")}, {F(max, "0.000")}], mean {F(mean, "0.000")}<br/>(x/255 − {F(preset.Mean[c])}) / {F(preset.Std[c])}"));
        }
        return sb.Append("</div></div>").ToString();
    }

    public static string Text(PreprocessResult v) =>
        $"{v.Path}: {v.Stages.Decoded.Width}×{v.Stages.Decoded.Height} → resize {v.Stages.Resized.Width}×{v.Stages.Resized.Height} → crop {v.Stages.Preset.CropSize}×{v.Stages.Preset.CropSize} → normalized\n" +
        string.Join("\n", v.Stages.ChannelStats().Select((s, c) => $"  {"RGB"[c]}: [{F(s.Min, "0.000")}, {F(s.Max, "0.000")}], mean {F(s.Mean, "0.000")}"));
}
