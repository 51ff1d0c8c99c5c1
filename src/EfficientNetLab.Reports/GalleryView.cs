using System.Text;
using static EfficientNetLab.Reports.Html;

namespace EfficientNetLab.Reports;

/// <summary>#!classify: a thumbnail per image with bars for its top classes.</summary>
internal static class GalleryView
{
    public static string Html(ClassifyResult g)
    {
        var sb = new StringBuilder("<div class=\"effnet-gallery\" style=\"display:flex;flex-wrap:wrap;gap:10px;font-family:system-ui,sans-serif;font-size:12px\">");
        foreach (var item in g.Images)
        {
            sb.Append("<div style=\"border:1px solid #ddd;border-radius:6px;padding:6px;width:300px\">");
            sb.Append(Img(PngDataUri(item.Thumbnail), item.Source, Lab.ThumbnailSide));
            sb.Append($"<div style=\"color:#555;overflow-wrap:anywhere\">{E(Path.GetFileName(item.Source.TrimEnd('/')))}</div>");
            foreach (var s in item.Top) sb.Append(Bar(s.Probability, $"{E(s.Label)} <span style=\"color:#777\">{F(s.Probability * 100, "0.0")}%</span>", width: 110));
            sb.Append("</div>");
        }
        sb.Append("</div>");
        foreach (var w in g.Warnings) sb.Append($"<div style=\"font-size:12px;color:#a52\">warning: {E(w)}</div>");
        return sb.ToString();
    }

    public static string Text(ClassifyResult g)
    {
        var sb = new StringBuilder();
        foreach (var item in g.Images)
        {
            sb.AppendLine(item.Source);
            foreach (var s in item.Top) sb.AppendLine($"  {s.Probability,7:P2}  {s.Index,4}  {s.Label}");
        }
        foreach (var w in g.Warnings) sb.AppendLine($"warning: {w}");
        return sb.ToString().TrimEnd();
    }
}
