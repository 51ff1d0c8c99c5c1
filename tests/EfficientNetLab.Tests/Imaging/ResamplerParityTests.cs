using EfficientNetLab.Data;
using EfficientNetLab.Imaging;
using EfficientNetLab.Tests.Support;
using EfficientNetLab.Weights;

namespace EfficientNetLab.Tests.Imaging;

/// <summary>
/// The SIMD resampler and the crop-only transform against PIL / torchvision beyond the presets' sizes: odd
/// widths (partial groups of four pixels), strong reductions (many taps), enlargements, an unchanged axis, and a
/// crop larger than the resized image. Both kernel sets must give PIL's bytes.
/// </summary>
[Trait("Category", "Parity")]
public class ResamplerParityTests
{
    private static readonly string Photo = Path.Combine(Repo.Root, "samples", "images", "chelsea.png"); // 451×300

    private static readonly (int Width, int Height, Interpolation Filter)[] Sizes =
    [
        (384, 256, Interpolation.Bicubic),
        (97, 61, Interpolation.Bicubic),
        (451, 123, Interpolation.Bilinear),
        (701, 300, Interpolation.Bicubic),
        (1003, 677, Interpolation.Bilinear),
        (7, 5, Interpolation.Bicubic),
    ];

    private static readonly Lazy<string> References = new(() =>
    {
        var dir = Directory.CreateTempSubdirectory("effnet-resample").FullName;
        Repo.PythonCode("""
            import sys, numpy as np
            from PIL import Image
            im = Image.open(sys.argv[1]).convert("RGB")
            for spec in sys.argv[3:]:
                w, h, f = spec.split(",")
                filt = Image.BICUBIC if f == "bicubic" else Image.BILINEAR
                np.save(f"{sys.argv[2]}/{w}x{h}_{f}.npy", np.asarray(im.resize((int(w), int(h)), filt)))
            """, [Photo, dir, .. Sizes.Select(s => $"{s.Width},{s.Height},{s.Filter.ToString().ToLowerInvariant()}")]);
        return dir;
    });

    public static TheoryData<bool> Kernels => Avx512Supported ? new([true, false]) : new([false]);

    private static bool Avx512Supported => System.Runtime.Intrinsics.X86.Avx512F.IsSupported;

    [Theory]
    [MemberData(nameof(Kernels))]
    public void Resize_equals_pils_at_awkward_sizes(bool avx512)
    {
        var source = ImageDecoder.Decode(Photo);
        var failures = new List<string>();
        bool saved = PillowResampler.UseAvx512;
        PillowResampler.UseAvx512 = avx512;
        var kernels = PillowResampler.Kernels;
        try
        {
            foreach (var (w, h, filter) in Sizes)
            {
                var name = $"{w}x{h}_{filter.ToString().ToLowerInvariant()}";
                using var expected = Npy.Read(Path.Combine(References.Value, name + ".npy"));
                var actual = PillowResampler.Resize(source, w, h, filter);
                if (!expected.bytes.SequenceEqual(actual.Pixels)) failures.Add(name);
            }
        }
        finally
        {
            PillowResampler.UseAvx512 = saved;
        }
        Assert.True(failures.Count == 0, $"{kernels}: differ from PIL at {string.Join(", ", failures)}");
    }

    [Fact]
    public void A_crop_larger_than_the_image_is_padded_like_torchvision()
    {
        // Resized to 302×201, so the 224 crop pads 23 rows: 11 above (torchvision's (224 − 201) // 2), 12 below.
        var preset = new EvalPreset(224, 201, Interpolation.Bicubic, EvalPreset.ImageNetMean, EvalPreset.ImageNetStd);
        var expectedPath = Path.Combine(Directory.CreateTempSubdirectory("effnet-pad").FullName, "padded.npy");
        Repo.PythonCode("""
            import sys, numpy as np
            from PIL import Image
            from torchvision.transforms import InterpolationMode
            from torchvision.transforms._presets import ImageClassification
            t = ImageClassification(crop_size=224, resize_size=201, interpolation=InterpolationMode.BICUBIC)
            np.save(sys.argv[2], t(Image.open(sys.argv[1]).convert("RGB")).numpy())
            """, Photo, expectedPath);
        using var expected = Npy.Read(expectedPath);
        var actual = new Preprocessor(preset).Process(Photo);
        Assert.Equal(expected.data<float>().ToArray(), actual);
    }

    [Fact]
    public void A_warm_worker_allocates_no_pixel_buffers()
    {
        var preprocessor = new Preprocessor(CheckpointRegistry.Get("b0", "imagenet1k_v1").Preset);
        // 16-bit gray PNGs go through ImageSharp, which allocates its own image.
        var files = ImageFixtures.Files.Where(f => !f.EndsWith("gray16.png")).ToArray();
        using var scratch = new PreprocessScratch();
        var chw = new float[preprocessor.OutputLength];
        foreach (var file in files) preprocessor.ProcessInto(file, chw, scratch);
        long before = GC.GetAllocatedBytesForCurrentThread();
        foreach (var file in files) preprocessor.ProcessInto(file, chw, scratch);
        long perImage = (GC.GetAllocatedBytesForCurrentThread() - before) / files.Length;
        Assert.True(perImage < 4096, $"{perImage} bytes allocated per image (a 512×512 image alone is 1 MB)");
    }
}
