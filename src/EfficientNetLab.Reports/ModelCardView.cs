using EfficientNetLab.Weights;
using static EfficientNetLab.Reports.Html;

namespace EfficientNetLab.Reports;

/// <summary>What #!efficientnet shows about the model it loaded.</summary>
internal static class ModelCardView
{
    public static string Html(ModelCard c)
    {
        var m = c.Model;
        var r = c.Reference;
        var published = m.Published is not null
            ? $"acc@1 {F(r.Acc1)}%, acc@5 {F(r.Acc5)}% ({E(r.TorchvisionName)})"
            : $"none for these weights (torchvision's {E(r.TorchvisionName)}: acc@1 {F(r.Acc1)}%, acc@5 {F(r.Acc5)}%)";
        return Card($"{c.Name} = {m.Model.Variant.TorchvisionName}", Table([
            ("variant", E(m.Model.Variant.Name)),
            ("parameters", $"{F(m.Model.ParameterCount / 1e6, "0.000")} M ({Bytes(c.ParameterBytes)})"),
            ("GFLOPS", F(r.Gflops)),
            ("classes", $"{m.Model.NumClasses}"),
            ("weights", E(m.WeightsDescription)),
            ("file", E(m.WeightsPath ?? "—")),
            ("sha256", c.Sha256 is null ? "—" : $"<code>{E(c.Sha256)}</code>"),
            ("published", published),
            ("preset", E(m.Preset.ToString())),
            ("device", E(m.Placement.ToString())),
            ("process memory", Bytes(c.ProcessMemoryBytes)),
        ]));
    }

    public static string Text(ModelCard c) =>
        $"{c.Name} = {c.Model.Model.Variant.TorchvisionName}: {F(c.Model.Model.ParameterCount / 1e6, "0.000")} M params, " +
        $"weights {c.Model.WeightsDescription}{(c.Sha256 is null ? "" : $" (sha256 {c.Sha256[..12]}…)")}, device {c.Model.Placement}" +
        (c.Model.Published is { } p ? $", published acc@1 {F(p.Acc1)}% acc@5 {F(p.Acc5)}%" : "");
}
