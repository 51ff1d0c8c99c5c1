using System.CommandLine;
using EfficientNetLab.Options;
using System.Text.Json.Nodes;
using EfficientNetLab.Data;
using EfficientNetLab.Imaging;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

namespace EfficientNetLab.Cli.Commands;

internal static class PreprocessCommand
{
    public static Command Create(Output output)
    {
        var model = CommonOptions.Model(required: true);
        var tag = new Option<string>("--weights-tag") { Description = "Whose eval preset: imagenet1k_v1, imagenet1k_v2 or default.", DefaultValueFactory = _ => "default" };
        var image = new Option<string>("--image", "-i") { Description = "Image file.", Required = true };
        var outPath = new Option<string>("--output", "-o") { Description = "Where to write the 1×3×H×W float32 .npy.", Required = true };
        var overrides = new PresetOverrides();
        var exif = new Option<bool>("--exif-transpose") { Description = "Apply the EXIF orientation first (torchvision does not; off by default)." };
        var json = CommonOptions.Json();
        var command = new Command("preprocess", "Write the tensor a model sees for an image (decode, resize, crop, normalize), as .npy.")
        {
            model, tag, image, outPath, exif, json,
        };
        overrides.AddTo(command);
        command.SetAction(parse =>
        {
            bool asJson = parse.GetValue(json);
            try
            {
                var preset = overrides.Apply(parse, CheckpointRegistry.Get(parse.GetValue(model)!, parse.GetValue(tag)!).Preset);
                var pre = new Preprocessor(preset, overrides.Decoder(parse), applyExifOrientation: parse.GetValue(exif));
                using var x = pre.ToTensor(parse.GetValue(image)!);
                Npy.Write(parse.GetValue(outPath)!, x);
                if (asJson)
                    output.Json(new JsonObject
                    {
                        ["image"] = parse.GetValue(image),
                        ["output"] = parse.GetValue(outPath),
                        ["shape"] = new JsonArray(x.shape.Select(s => (JsonNode)s).ToArray()),
                        ["preset"] = preset.ToJson(),
                        ["decoder"] = pre.Decoder.Name(),
                        ["min"] = x.min().item<float>(),
                        ["max"] = x.max().item<float>(),
                    });
                else
                    output.Line($"{parse.GetValue(image)} → [{string.Join(", ", x.shape)}] ({preset}) written to {parse.GetValue(outPath)}");
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

/// <summary>timm's preprocessing overrides (validate.py): --img-size, --crop-pct, --interpolation, --mean, --std; plus --decoder.</summary>
internal sealed class PresetOverrides
{
    private readonly Option<int?> imgSize = CommonOptions.From(KitOptions.ImgSize);
    private readonly Option<double?> cropPct = CommonOptions.From(KitOptions.CropPct);
    private readonly Option<Interpolation?> interpolation = CommonOptions.From(KitOptions.Interpolation);
    private readonly Option<float[]?> mean = CommonOptions.From(KitOptions.Mean);
    private readonly Option<float[]?> std = CommonOptions.From(KitOptions.Std);
    private readonly Option<DecoderKind> decoder = CommonOptions.From(KitOptions.Decoder);

    public void AddTo(Command command)
    {
        command.Add(imgSize);
        command.Add(cropPct);
        command.Add(interpolation);
        command.Add(mean);
        command.Add(std);
        command.Add(decoder);
    }

    public EvalPreset Apply(ParseResult parse, EvalPreset preset) => preset.With(parse.GetValue(imgSize), parse.GetValue(cropPct),
        parse.GetValue(interpolation), Given(parse.GetValue(mean)), Given(parse.GetValue(std)));

    /// <summary>System.CommandLine hands an absent array option over as an empty array, not null.</summary>
    private static float[]? Given(float[]? values) => values is { Length: > 0 } ? values : null;

    public DecoderKind Decoder(ParseResult parse) => parse.GetValue(decoder);
}
