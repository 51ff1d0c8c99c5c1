using EfficientNetLab.Data;
using EfficientNetLab.Imaging;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Imaging;

/// <summary>
/// <see cref="Preprocessor.Stages(string)"/>: each stage equals torchvision's (F.resize, F.center_crop with its zero
/// padding, ImageClassification) byte for byte, and the last stage is exactly what the fast path feeds a model.
/// </summary>
[Trait("Category", "Parity")]
public class PreprocessStagesTests
{
    private static readonly string Photo = Path.Combine(Repo.Root, "samples", "images", "chelsea.png"); // 451×300

    /// <summary>crop, resize, filter: the b0 and v2_s presets; a crop taller than the resized image (302×201: 23 rows
    /// of padding, 11 above and 12 below); 241×160, whose horizontal offset is round(8.5) = 8 (Python rounds half to
    /// even); and a crop larger on both sides (150×100).</summary>
    public static TheoryData<int, int, Interpolation> Presets => new()
    {
        { 224, 256, Interpolation.Bicubic },
        { 384, 384, Interpolation.Bilinear },
        { 224, 201, Interpolation.Bicubic },
        { 224, 160, Interpolation.Bilinear },
        { 224, 100, Interpolation.Bicubic },
    };

    private static EvalPreset Preset(int crop, int resize, Interpolation filter) =>
        new(crop, resize, filter, EvalPreset.ImageNetMean, EvalPreset.ImageNetStd);

    [Theory]
    [MemberData(nameof(Presets))]
    public void Every_stage_equals_torchvisions(int crop, int resize, Interpolation filter)
    {
        var dir = Directory.CreateTempSubdirectory("effnet-stages").FullName;
        Repo.PythonCode("""
            import sys, numpy as np
            from PIL import Image
            import torchvision.transforms.functional as F
            from torchvision.transforms import InterpolationMode
            from torchvision.transforms._presets import ImageClassification
            path, out, crop, resize, filt = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
            mode = InterpolationMode(filt)
            rgb = Image.open(path).convert("RGB")
            resized = F.resize(rgb, resize, interpolation=mode)
            np.save(out + "/resized.npy", np.asarray(resized))
            np.save(out + "/cropped.npy", np.asarray(F.center_crop(resized, crop)))
            np.save(out + "/normalized.npy", ImageClassification(crop_size=crop, resize_size=resize, interpolation=mode)(rgb).numpy())
            """, Photo, dir, crop.ToString(), resize.ToString(), filter.ToString().ToLowerInvariant());
        var stages = new Preprocessor(Preset(crop, resize, filter)).Stages(Photo);
        using var resized = Npy.Read(Path.Combine(dir, "resized.npy"));
        using var cropped = Npy.Read(Path.Combine(dir, "cropped.npy"));
        using var normalized = Npy.Read(Path.Combine(dir, "normalized.npy"));
        Assert.Equal(new long[] { stages.Resized.Height, stages.Resized.Width, 3 }, resized.shape);
        Assert.True(resized.bytes.SequenceEqual(stages.Resized.Pixels), "resized pixels differ from torchvision's");
        Assert.Equal(new long[] { crop, crop, 3 }, cropped.shape);
        Assert.True(cropped.bytes.SequenceEqual(stages.Cropped.Pixels), "cropped pixels differ from torchvision's");
        Assert.Equal(normalized.data<float>().ToArray(), stages.Normalized);
    }

    [Theory]
    [MemberData(nameof(Presets))]
    public void The_last_stage_is_what_the_fast_path_gives_a_model(int crop, int resize, Interpolation filter)
    {
        var preprocessor = new Preprocessor(Preset(crop, resize, filter));
        foreach (var file in ImageFixtures.Files)
        {
            var stages = preprocessor.Stages(file);
            var fast = new float[preprocessor.OutputLength];
            using var scratch = new PreprocessScratch();
            preprocessor.ProcessInto(file, fast, scratch);
            Assert.True(fast.AsSpan().SequenceEqual(stages.Normalized), $"{Path.GetFileName(file)}: stages differ from ProcessInto");
            Assert.True(preprocessor.Stages(stages.Decoded).Normalized.AsSpan().SequenceEqual(fast), $"{Path.GetFileName(file)}: from a decoded image");
        }
    }
}
