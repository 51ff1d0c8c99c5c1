using System.CommandLine;
using System.Text.Json.Nodes;
using EfficientNetLab.Models;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Cli.Commands;

internal static class ModelsCommand
{
    public static Command Create(Output output)
    {
        var json = CommonOptions.Json();
        var command = new Command("models", "List the EfficientNet variants with torchvision's published accuracy, size and eval preset.") { json };
        command.SetAction(parse =>
        {
            var rows = EfficientNetVariants.All.SelectMany(v => CheckpointRegistry.ForVariant(v.Name).Select(w => (v, w))).ToList();
            if (parse.GetValue(json))
            {
                output.Json(new JsonObject
                {
                    ["models"] = new JsonArray(rows.Select(r => (JsonNode)new JsonObject
                    {
                        ["variant"] = r.v.Name,
                        ["torchvision_name"] = r.v.TorchvisionName,
                        ["weights"] = r.w.Tag,
                        ["acc1"] = r.w.Acc1,
                        ["acc5"] = r.w.Acc5,
                        ["params"] = r.w.Params,
                        ["gflops"] = r.w.Gflops,
                        ["file_size_mb"] = r.w.FileSizeMB,
                        ["preset"] = r.w.Preset.ToJson(),
                    }).ToArray()),
                });
                return 0;
            }
            output.Table(["model", "weights", "acc@1", "acc@5", "params", "GFLOPS", "MB", "eval preset"],
                rows.Select(r => (IReadOnlyList<string>)
                [
                    r.v.TorchvisionName, r.w.Tag, $"{r.w.Acc1:F3}", $"{r.w.Acc5:F3}", $"{r.w.Params / 1e6:F1}M",
                    $"{r.w.Gflops:F2}", $"{r.w.FileSizeMB:F1}", r.w.Preset.ToString(),
                ]));
            return 0;
        });
        return command;
    }
}
