using System.CommandLine;
using EfficientNetLab.Options;
using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

namespace EfficientNetLab.Cli.Commands;

internal static class LogitsCommand
{
    public static Command Create(Output output)
    {
        var model = CommonOptions.Model(required: false);
        var weights = CommonOptions.From(KitOptions.Weights.WithDefault(null, "Checkpoint file (.pth zip state dict or .safetensors)."), required: true);
        var input = new Option<string>("--input", "-i") { Description = "N×3×H×W float32 .npy (already preprocessed).", Required = true };
        var outPath = new Option<string>("--output", "-o") { Description = "Where to write the N×classes float32 .npy.", Required = true };
        var json = CommonOptions.Json();
        var command = new Command("logits", "Run a model on a preprocessed .npy batch and write its logits as .npy (for comparing with PyTorch).")
        {
            model, weights, input, outPath, json,
        };
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                using var net = Checkpoint.Load(parse.GetValue(weights)!, parse.GetValue(model));
                using var x = Npy.Read(parse.GetValue(input)!);
                if (x.dim() != 4 || x.shape[1] != 3)
                    throw new ArgumentException($"--input must be N×3×H×W, got [{string.Join(", ", x.shape)}].");
                using var _ = no_grad();
                using var logits = net.forward(x.to_type(ScalarType.Float32));
                Npy.Write(parse.GetValue(outPath)!, logits);
                if (asJson)
                    output.Json(new JsonObject
                    {
                        ["model"] = net.Variant.TorchvisionName,
                        ["input_shape"] = new JsonArray(x.shape.Select(s => (JsonNode)s).ToArray()),
                        ["output_shape"] = new JsonArray(logits.shape.Select(s => (JsonNode)s).ToArray()),
                        ["output"] = parse.GetValue(outPath),
                    });
                else
                    output.Line($"{net.Variant.TorchvisionName}: [{string.Join(", ", x.shape)}] → [{string.Join(", ", logits.shape)}] written to {parse.GetValue(outPath)}");
                return 0;
            }
            catch (Exception e)
            {
                return output.Fail(e, asJson);
            }
        });
        return command;
    }
}
