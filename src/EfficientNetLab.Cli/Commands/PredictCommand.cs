using System.CommandLine;
using EfficientNetLab.Options;
using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Evaluation;
using EfficientNetLab.Imaging;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Cli.Commands;

internal static class PredictCommand
{
    public static Command Create(Output output)
    {
        var model = CommonOptions.Model(required: false);
        var weights = CommonOptions.Weights("default");
        var images = new Argument<string[]>("images")
        {
            Description = "Image files or folders to classify; a folder is read flat, or as an ImageFolder when its subfolders hold images.",
            Arity = ArgumentArity.OneOrMore,
        };
        var topk = CommonOptions.From(KitOptions.TopK);
        var overrides = new PresetOverrides();
        var backend = CommonOptions.Backend();
        var baseUrl = CommonOptions.BaseUrl();
        var json = CommonOptions.Json();
        var command = new Command("predict", "Classify images with the weights' own eval preset and print the top-k classes.")
        {
            model, weights, images, topk, backend, baseUrl, json,
        };
        overrides.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                using var loaded = await ModelLoader.LoadAsync(parse.GetValue(model), parse.GetValue(weights)!,
                    parse.GetValue(baseUrl), output.DownloadBar("weights"), ct);
                using var predictor = new Predictor(loaded, overrides.Apply(parse, loaded.Preset), overrides.Decoder(parse), parse.GetValue(backend), output.Note);
                var k = parse.GetValue(topk);
                var results = new JsonArray();
                foreach (var path in Expand(parse.GetValue(images)!, output))
                {
                    var prediction = predictor.Classify(path, k);
                    if (asJson)
                    {
                        results.Add(new JsonObject
                        {
                            ["image"] = path,
                            ["top"] = new JsonArray(prediction.Select(p => (JsonNode)new JsonObject
                            {
                                ["index"] = p.Index, ["label"] = p.Label, ["probability"] = Math.Round(p.Probability, 6),
                            }).ToArray()),
                        });
                        continue;
                    }
                    output.Line(path);
                    foreach (var p in prediction) output.Line($"  {p.Probability,7:P2}  {p.Index,4}  {p.Label}");
                }
                if (asJson)
                    output.Json(new JsonObject
                    {
                        ["model"] = loaded.Model.Variant.TorchvisionName,
                        ["weights"] = loaded.WeightsDescription,
                        ["preset"] = predictor.Preset.ToJson(),
                        ["predictions"] = results,
                    });
                return 0;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return output.Fail(e, asJson);
            }
        });
        return command;
    }

    /// <summary>Files as given; folders replaced by their images, read by the same rule as every dataset folder.</summary>
    private static IEnumerable<string> Expand(IEnumerable<string> paths, Output output)
    {
        foreach (var path in paths)
        {
            if (!Directory.Exists(path))
            {
                yield return path;
                continue;
            }
            var listing = ImageFolder.List(path);
            foreach (var w in listing.Warnings) output.Err.WriteLine($"effnet: warning: {w}");
            foreach (var image in listing.Paths) yield return image;
        }
    }
}
