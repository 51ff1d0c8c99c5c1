using EfficientNetLab.Data;
using EfficientNetLab.Imaging;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;
using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Imaging;

/// <summary>
/// The kit's decode + eval transform against PIL 9.4 + torchvision 0.14 on real photos in every format the
/// fixtures hold (baseline/progressive/4:4:4/gray/CMYK JPEG, RGB/palette/RGBA/16-bit PNG, GIF).
/// The bar is bit-for-bit: decoded RGB bytes equal, and normalized tensors equal (max abs difference 0).
/// </summary>
[Trait("Category", "Parity")]
public class PreprocessingParityTests
{
    public static TheoryData<string> Presets => new(["b0", "b3", "v2_s"]);

    [Theory]
    [MemberData(nameof(Presets))]
    public void Tensors_equal_torchvisions_on_every_format(string variant)
    {
        var preset = CheckpointRegistry.Get(variant, "imagenet1k_v1").Preset;
        var preprocessor = new Preprocessor(preset);
        var failures = new List<string>();
        foreach (var file in ImageFixtures.Files)
        {
            var name = Path.GetFileName(file);
            using var expected = Npy.Read(Path.Combine(ImageFixtures.Directory, variant, name + ".npy"));
            using var actual = tensor(preprocessor.Process(file), expected.shape);
            float maxAbs = (actual - expected).abs().max().item<float>();
            if (maxAbs != 0) failures.Add($"{name}: max abs {maxAbs:E2}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.True(ImageFixtures.Files.Count() >= 40);
    }

    [Fact]
    public void Decoded_pixels_equal_pils_convert_rgb()
    {
        foreach (var file in ImageFixtures.Files)
        {
            var name = Path.GetFileName(file);
            using var expected = Npy.Read(Path.Combine(ImageFixtures.Directory, "b0", "rgb", name + ".npy"));
            var image = ImageDecoder.Decode(file);
            Assert.Equal(expected.shape, new long[] { image.Height, image.Width, 3 });
            Assert.True(expected.bytes.SequenceEqual(image.Pixels), $"{name}: decoded pixels differ from PIL's");
        }
    }

    [Fact]
    public void Jpeg_backends_both_equal_pil()
    {
        using var scratch = new PreprocessScratch();
        foreach (var file in ImageFixtures.Files.Where(f => f.EndsWith(".jpg")))
        {
            using var expected = Npy.Read(Path.Combine(ImageFixtures.Directory, "b0", "rgb", Path.GetFileName(file) + ".npy"));
            foreach (bool turboJpeg in new[] { true, false })
            {
                var image = ImageDecoder.Decode(file, scratch, DecoderKind.Skia, ImageDecoder.DefaultMaxPixels, false, turboJpeg).ToRgbImage();
                Assert.True(expected.bytes.SequenceEqual(image.Pixels),
                    $"{Path.GetFileName(file)}: {(turboJpeg ? ImageDecoder.JpegBackend : "skia")} pixels differ from PIL's");
            }
        }
    }

    [Theory]
    [InlineData(500, 375, 256, 341, 256)]   // landscape: the longer side is int(256 * 500 / 375) = 341
    [InlineData(375, 500, 256, 256, 341)]
    [InlineData(300, 300, 320, 320, 320)]
    [InlineData(1000, 3, 224, 74666, 224)]
    public void Resized_size_follows_torchvision(int w, int h, int size, int ew, int eh) =>
        Assert.Equal((ew, eh), Preprocessor.ResizedSize(w, h, size));
}
