using EfficientNetLab.Data;
using EfficientNetLab.Imaging;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Imaging;

/// <summary>
/// The optional ImageSharp decoder: exact on lossless formats, within a documented deviation on JPEG
/// (its IDCT and upsampling are not libjpeg-turbo's).
/// </summary>
public class ImageSharpDecoderTests
{
    /// <summary>Measured on the fixture photos (README, "Decoders"); a regression beyond it fails.</summary>
    public const int MaxJpegDeviation = 64;

    [Fact]
    public void Lossless_formats_are_exact_and_jpeg_stays_within_the_documented_deviation()
    {
        foreach (var file in ImageFixtures.Files.Where(f => f.EndsWith("rgb.png") || f.EndsWith("palette.png") || f.EndsWith("baseline.jpg")))
        {
            using var expected = Npy.Read(Path.Combine(ImageFixtures.Directory, "b0", "rgb", Path.GetFileName(file) + ".npy"));
            var ours = ImageDecoder.Decode(file, DecoderKind.ImageSharp).Pixels;
            var pil = expected.bytes.ToArray();
            int max = pil.Select((b, i) => Math.Abs(b - ours[i])).Max();
            if (file.EndsWith(".png")) Assert.True(max == 0, $"{file}: {max}");
            else Assert.InRange(max, 0, MaxJpegDeviation);
        }
    }
}
