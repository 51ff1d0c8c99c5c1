using EfficientNetLab.Data;
using EfficientNetLab.Tests.Support;
using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Cli;

public class PreprocessCommandTests
{
    [Fact]
    public async Task Timm_overrides_match_torchvision_with_the_same_settings()
    {
        var dir = Directory.CreateTempSubdirectory("effnet-pre").FullName;
        var image = Path.Combine(ImageFixtures.Directory, "images", "rocket_progressive.jpg");
        var ours = Path.Combine(dir, "ours.npy");
        var json = await Support.Cli.JsonAsync("preprocess", "--model", "b0", "--image", image, "--output", ours,
            "--img-size", "240", "--crop-pct", "0.95", "--interpolation", "bilinear", "--mean", "0.5", "0.5", "0.5", "--std", "0.5", "0.5", "0.5");
        Assert.Equal(252, (int)json["preset"]!["resize_size"]!); // timm: floor(240 / 0.95)
        var theirs = Path.Combine(dir, "theirs.npy");
        Repo.PythonCode("""
            import sys, numpy as np
            from PIL import Image
            from torchvision.transforms import InterpolationMode
            from torchvision.transforms._presets import ImageClassification
            t = ImageClassification(crop_size=240, resize_size=252, interpolation=InterpolationMode.BILINEAR, mean=(0.5,)*3, std=(0.5,)*3)
            np.save(sys.argv[2], t(Image.open(sys.argv[1]).convert("RGB")).unsqueeze(0).numpy())
            """, image, theirs);
        using var a = Npy.Read(ours);
        using var b = Npy.Read(theirs);
        Assert.Equal(b.shape, a.shape);
        Assert.Equal(0f, (a - b).abs().max().item<float>());
    }
}
