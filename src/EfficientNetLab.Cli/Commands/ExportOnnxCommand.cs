using System.CommandLine;
using EfficientNetLab.Options;
using System.Text.Json.Nodes;
using EfficientNetLab.Export;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Cli.Commands;

internal static class ExportOnnxCommand
{
    public static Command Create(Output output)
    {
        var model = CommonOptions.Model(required: false);
        var weights = CommonOptions.From(KitOptions.Weights, required: true);
        var outPath = new Option<string>("--output", "-o") { Description = "Where to write the .onnx file.", Required = true };
        var opset = new Option<int>("--opset")
        {
            Description = $"ai.onnx opset, {OnnxExporter.MinOpset}…{OnnxExporter.MaxOpset}.",
            DefaultValueFactory = _ => OnnxExporter.DefaultOpset,
        };
        var dynamicBatch = new Option<bool>("--dynamic-batch") { Description = "Any batch size (a symbolic 'batch' dimension) instead of exactly 1." };
        var dynamicSize = new Option<bool>("--dynamic-size") { Description = "Any height and width instead of the fixed image size." };
        var imageSize = CommonOptions.From(KitOptions.ImageSize.WithDefault(null, "Fixed height = width (default: the weights' eval crop)."));
        var verify = new Option<bool>("--verify")
        {
            Description = "Run the export in ONNX Runtime against TorchSharp on random inputs; fail if the logits differ by more than 1e-4.",
        };
        var baseUrl = CommonOptions.BaseUrl();
        var json = CommonOptions.Json();
        var command = new Command("export-onnx", "Write a model as a standard ONNX graph (BatchNorm folded) for ONNX Runtime and other runtimes.")
        {
            model, weights, outPath, opset, dynamicBatch, dynamicSize, imageSize, verify, baseUrl, json,
        };
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                using var loaded = await ModelLoader.LoadAsync(parse.GetValue(model), parse.GetValue(weights)!,
                    parse.GetValue(baseUrl), output.DownloadBar("weights"), ct);
                var options = new OnnxExportOptions
                {
                    Opset = parse.GetValue(opset),
                    DynamicBatch = parse.GetValue(dynamicBatch),
                    DynamicImageSize = parse.GetValue(dynamicSize),
                    ImageSize = parse.GetValue(imageSize),
                };
                var path = Path.GetFullPath(parse.GetValue(outPath)!);
                OnnxExporter.Export(loaded, path, options);
                var result = new JsonObject
                {
                    ["model"] = loaded.Model.Variant.TorchvisionName,
                    ["weights"] = loaded.WeightsDescription,
                    ["output"] = path,
                    ["bytes"] = new FileInfo(path).Length,
                    ["opset"] = options.Opset,
                    ["input_shape"] = InputShape(options, loaded.Preset.CropSize),
                };
                string verified = "";
                if (parse.GetValue(verify))
                {
                    using var onnx = new OnnxRuntimeModel(path);
                    var check = OnnxVerifier.Verify(loaded.Model, onnx, options.ImageSize ?? loaded.Preset.CropSize);
                    if (!check.Passed)
                        throw new InvalidOperationException(
                            $"ONNX Runtime and TorchSharp disagree: max abs logit difference {check.MaxAbsDiff:E2}, " +
                            $"relative {check.MaxRelativeDiff:E2} (> {OnnxVerification.Tolerance:E0}). The file was written to {path}.");
                    result["verify"] = new JsonObject
                    {
                        ["input_shape"] = new JsonArray(check.Batch, 3, check.Height, check.Width),
                        ["max_abs_diff"] = check.MaxAbsDiff,
                        ["max_relative_diff"] = check.MaxRelativeDiff,
                        ["tolerance"] = OnnxVerification.Tolerance,
                    };
                    verified = $"\nverified with ONNX Runtime on {check.Batch}×3×{check.Height}×{check.Width} random inputs: " +
                               $"max abs logit difference {check.MaxAbsDiff:E2} (relative {check.MaxRelativeDiff:E2})";
                }
                if (asJson)
                    output.Json(result);
                else
                    output.Line($"{result["model"]}, {loaded.WeightsDescription} → {path}, opset {options.Opset}, " +
                                $"input {result["input_shape"]!.ToJsonString()}, {(long)result["bytes"]! / 1e6:F1} MB{verified}");
                return 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return output.Fail(e, asJson);
            }
        });
        return command;
    }

    /// <summary>The graph's input shape, symbolic dimensions by name, as the exporter writes it.</summary>
    private static JsonArray InputShape(OnnxExportOptions options, int crop)
    {
        JsonNode Side(string name) => options.DynamicImageSize ? JsonValue.Create(name) : JsonValue.Create(options.ImageSize ?? crop);
        return new JsonArray(options.DynamicBatch ? JsonValue.Create("batch") : JsonValue.Create(1), 3, Side("height"), Side("width"));
    }
}
