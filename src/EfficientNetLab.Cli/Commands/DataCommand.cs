using System.CommandLine;
using EfficientNetLab.Options;
using System.Text.Json.Nodes;
using EfficientNetLab.Data;

namespace EfficientNetLab.Cli.Commands;

internal static class DataCommand
{
    public static Command Create(Output output) => new("data", "Prepare and check labelled image datasets.")
    {
        FashionMnistExport(output), Check(output),
    };

    private static Command FashionMnistExport(Output output)
    {
        var outDir = new Option<string>("--out", "-o") { Description = "Folder to write <split>/<class>/NNNNN.png and classes.txt into.", Required = true };
        var split = new Option<string>("--split") { Description = "Which split to export: test, train or both.", DefaultValueFactory = _ => "test" };
        split.AcceptOnlyFromAmong("test", "train", "both");
        var limit = CommonOptions.From(KitOptions.Limit.WithDefault(null, "Export only the first N images of each split."));
        var source = new Option<string>("--source")
        {
            Description = "Folder with the IDX files ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]).",
            DefaultValueFactory = _ => FashionMnist.DebianDirectory,
        };
        var json = CommonOptions.Json();
        var command = new Command("fashion-mnist",
            "Export Fashion-MNIST (Debian: apt-get install dataset-fashion-mnist) as an ImageFolder of 28×28 grayscale PNGs; " +
            "class folders are named after the classes (they map onto a checkpoint's classes by name), classes.txt lists them " +
            "in label order (--class-map); splits already exported are skipped.") { outDir, split, limit, source, json };
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                var which = parse.GetValue(split) == "both" ? FashionMnist.Splits : [parse.GetValue(split)!];
                var results = which.Select(s => FashionMnist.Export(parse.GetValue(outDir)!, s, parse.GetValue(limit), parse.GetValue(source)!)).ToList();
                if (asJson)
                {
                    output.Json(new JsonObject
                    {
                        ["out"] = parse.GetValue(outDir),
                        ["splits"] = new JsonArray(results.Select(r => (JsonNode)new JsonObject
                        {
                            ["split"] = r.Split, ["path"] = r.Directory, ["images"] = r.Images, ["skipped"] = r.Skipped,
                        }).ToArray()),
                    });
                    return 0;
                }
                foreach (var r in results)
                    output.Line($"{r.Split}: {r.Images} images in {r.Directory}{(r.Skipped ? " (already there)" : "")}");
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
            {
                return output.Fail(e, asJson);
            }
        });
        return command;
    }

    private static Command Check(Output output)
    {
        var dir = new Argument<string>("dir") { Description = "Dataset folder: class folders, or ImageNet val images with LOC_val_solution.csv beside or above." };
        var classMap = new Option<string?>("--class-map") { Description = "timm class map: a .txt file with one class folder name per line (label = line number)." };
        var json = CommonOptions.Json();
        var command = new Command("check",
            "Index a dataset as evaluation would (layout, classes, labels, sample count) and decode every image, " +
            "listing each unreadable file with the reason; exit code 1 if any.") { dir, classMap, json };
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                var index = DatasetIndex.Open(parse.GetValue(dir)!, classMap: parse.GetValue(classMap));
                var bad = index.FindUnreadable();
                var counts = index.Samples.CountBy(s => s.Label).OrderBy(c => c.Key).ToList();
                if (asJson)
                {
                    output.Json(new JsonObject
                    {
                        ["root"] = index.Root,
                        ["layout"] = index.Layout.Name(),
                        ["mapping"] = index.Mapping.Name(),
                        ["num_classes"] = index.Classes.Count,
                        ["classes"] = new JsonArray(counts.Select(c => (JsonNode)new JsonObject
                        {
                            ["label"] = c.Key, ["name"] = index.Classes[c.Key], ["images"] = c.Value,
                        }).ToArray()),
                        ["samples"] = index.Samples.Count,
                        ["warnings"] = new JsonArray(index.Warnings.Select(w => (JsonNode?)w).ToArray()),
                        ["unreadable"] = new JsonArray(bad.Select(b => (JsonNode)new JsonObject { ["path"] = b.Path, ["reason"] = b.Reason }).ToArray()),
                    });
                }
                else
                {
                    output.Line($"root:    {index.Root}");
                    output.Line($"layout:  {index.Layout.Name()}, labels by {index.Mapping.Name()} ({index.Classes.Count} classes)");
                    output.Table(["label", "class", "images"], counts.Select(c => (IReadOnlyList<string>)[c.Key.ToString(), index.Classes[c.Key], c.Value.ToString()]));
                    foreach (var w in index.Warnings) output.Line($"warning: {w}");
                    output.Line($"samples: {index.Samples.Count}, unreadable: {bad.Count}");
                    foreach (var b in bad) output.Line($"  {b.Path}: {b.Reason}");
                }
                return bad.Count == 0 ? 0 : 1;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                return output.Fail(e, asJson);
            }
        });
        return command;
    }
}
