using System.CommandLine;
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
                        ["decoder"] = pre.Decoder.ToString().ToLowerInvariant(),
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
    private readonly Option<int?> imgSize = new("--img-size") { Description = "Crop size (timm's --img-size); the resize follows crop-pct." };
    private readonly Option<double?> cropPct = new("--crop-pct") { Description = "crop / resize ratio (timm's --crop-pct), e.g. 0.875." };
    private readonly Option<Interpolation?> interpolation = new("--interpolation") { Description = "bilinear or bicubic (Pillow's antialiased filters)." };
    private readonly Option<float[]?> mean = new("--mean") { Description = "Per-channel mean, three values (R G B).", AllowMultipleArgumentsPerToken = true, Arity = new ArgumentArity(3, 3) };
    private readonly Option<float[]?> std = new("--std") { Description = "Per-channel std, three values (R G B).", AllowMultipleArgumentsPerToken = true, Arity = new ArgumentArity(3, 3) };
    private readonly Option<DecoderKind> decoder = new("--decoder") { Description = "skia (PIL-exact; JPEG through TurboJPEG when installed) or imagesharp (managed; JPEG differs by a few levels).", DefaultValueFactory = _ => DecoderKind.Skia };

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
