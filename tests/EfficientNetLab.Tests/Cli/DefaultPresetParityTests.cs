using System.Text.Json.Nodes;
using EfficientNetLab.Models;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Tests.Cli;

/// <summary>
/// "Default" means torchvision's <c>Weights.DEFAULT</c> everywhere: the preset <c>effnet preprocess --model V</c>
/// uses and the one <c>effnet predict --model V --weights random</c> reports are <c>DEFAULT.transforms()</c>'s.
/// </summary>
public class DefaultPresetParityTests
{
    private static readonly Lazy<JsonObject> Torchvision = new(() => JsonNode.Parse(Repo.PythonCode("""
        import json
        import torchvision.models as m
        out = {}
        for name in ["B0", "B1", "B2", "B3", "B4", "B5", "B6", "B7", "V2_S", "V2_M", "V2_L"]:
            w = getattr(m, f"EfficientNet_{name}_Weights").DEFAULT
            t = w.transforms()
            out[name.lower()] = {"weights": str(w), "crop_size": t.crop_size[0], "resize_size": t.resize_size[0],
                                 "interpolation": t.interpolation.value, "mean": list(t.mean), "std": list(t.std)}
        print(json.dumps(out))
        """))!.AsObject());

    public static TheoryData<string> Variants => new(EfficientNetVariants.All.Select(v => v.Name));

    [Theory]
    [MemberData(nameof(Variants))]
    public async Task Preprocess_and_random_weights_use_torchvisions_DEFAULT_transforms(string variant)
    {
        var expected = Torchvision.Value[variant]!.AsObject();
        Assert.Equal((string)expected["weights"]!, CheckpointRegistry.Default(variant).TorchvisionName);

        var image = Path.Combine(Repo.Root, "samples", "images", "chelsea.png");
        var npy = Path.Combine(Directory.CreateTempSubdirectory("effnet-default").FullName, "x.npy");
        var preprocess = await Support.Cli.JsonAsync("preprocess", "--model", variant, "--image", image, "--output", npy);
        AssertPreset(expected, preprocess["preset"]!.AsObject());

        var predict = await Support.Cli.JsonAsync("predict", "--model", variant, "--weights", "random", "--topk", "1", image);
        AssertPreset(expected, predict["preset"]!.AsObject());
    }

    private static void AssertPreset(JsonObject torchvision, JsonObject ours)
    {
        foreach (var key in new[] { "crop_size", "resize_size", "interpolation" })
            Assert.Equal(torchvision[key]!.ToJsonString(), ours[key]!.ToJsonString());
        foreach (var key in new[] { "mean", "std" })
            Assert.Equal(torchvision[key]!.AsArray().Select(v => (float)v!.GetValue<double>()), ours[key]!.AsArray().Select(v => v!.GetValue<float>()));
    }
}
