using System.Buffers.Binary;
using EfficientNetLab.Imaging;
using EfficientNetLab.Tests.Support;

namespace EfficientNetLab.Tests.Imaging;

/// <summary>Files that must be refused with their path and a reason — and files that must not be refused.</summary>
public class BadImageTests
{
    private static readonly string Dir = Directory.CreateTempSubdirectory("effnet-bad-images").FullName;
    private static readonly string Photo = Path.Combine(Repo.Root, "samples", "images", "coffee.png");

    private static string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(Dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public static TheoryData<string, string> BrokenFiles()
    {
        var png = File.ReadAllBytes(Photo);
        var jpeg = File.ReadAllBytes(Path.Combine(ImageFixtures.Directory, "images", "coffee_baseline.jpg"));
        var badCrc = (byte[])png.Clone();
        badCrc[png.Length / 2] ^= 0x55; // inside IDAT: the chunk's CRC no longer matches
        var random = new byte[4096];
        new Random(7).NextBytes(random);
        return new TheoryData<string, string>
        {
            { Write("empty.jpg", []), "empty" },
            { Write("text.jpg", "this is not an image\n"u8.ToArray()), "not a recognised image" },
            { Write("random.png", random), "not a recognised image" },
            { Write("truncated.jpg", jpeg[..(jpeg.Length / 2)]), "truncated" },
            { Write("truncated.png", png[..(png.Length / 2)]), "truncated" },
            { Write("bad-crc.png", badCrc), "" },
        };
    }

    [Theory]
    [MemberData(nameof(BrokenFiles))]
    public void Broken_files_fail_naming_the_file(string path, string reason)
    {
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path));
        Assert.Equal(path, e.Path);
        Assert.Contains(reason, e.Reason);
    }

    [Fact]
    public void Decompression_bomb_is_refused_from_the_header()
    {
        // A real PNG whose IHDR claims 40000 × 40000 (1.6 billion pixels), CRC fixed so the header is valid.
        var png = File.ReadAllBytes(Photo);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(16), 40000);
        BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(20), 40000);
        BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), PngCrc(png.AsSpan(12, 17)));
        var path = Write("bomb.png", png);
        long before = GC.GetTotalAllocatedBytes(precise: true);
        var e = Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path));
        Assert.Contains("decompression bomb", e.Reason);
        Assert.True(GC.GetTotalAllocatedBytes(precise: true) - before < 50_000_000, "the bomb was allocated before being refused");
        Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(path, DecoderKind.ImageSharp));
    }

    /// <summary>PNG's chunk CRC (CRC-32, polynomial 0xEDB88320) over type + data.</summary>
    private static uint PngCrc(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    [Fact]
    public void Misleading_extension_animated_gif_and_image_named_directories()
    {
        var pngNamedJpg = Write("really-a-png.jpg", File.ReadAllBytes(Photo));
        Assert.Equal(600, ImageDecoder.Decode(pngNamedJpg).Width);

        var gif = Path.Combine(Dir, "animated.gif");
        Repo.PythonCode("""
            import sys
            from PIL import Image
            frames = [Image.new("RGB", (32, 24), c) for c in ((255, 0, 0), (0, 255, 0), (0, 0, 255))]
            frames[0].save(sys.argv[1], save_all=True, append_images=frames[1:], duration=100, loop=0)
            """, gif);
        var first = ImageDecoder.Decode(gif);
        Assert.Equal((byte)255, first.Pixels[0]);
        Assert.Equal((byte)0, first.Pixels[1]);

        var dir = Directory.CreateDirectory(Path.Combine(Dir, "folder.jpg")).FullName;
        Assert.Contains("directory", Assert.Throws<ImageDecodeException>(() => ImageDecoder.Decode(dir)).Reason);
    }

    [Fact]
    public void Exif_orientation_is_ignored_by_default_and_applied_on_request_like_pil()
    {
        var path = Path.Combine(Dir, "rotated.jpg");
        var expected = Path.Combine(Dir, "rotated.npy");
        Repo.PythonCode("""
            import sys, numpy as np
            from PIL import Image, ImageOps
            im = Image.open(sys.argv[1]).convert("RGB").resize((64, 48))
            exif = Image.Exif(); exif[0x0112] = 6
            im.save(sys.argv[2], "JPEG", quality=95, exif=exif.tobytes())
            np.save(sys.argv[3], np.asarray(ImageOps.exif_transpose(Image.open(sys.argv[2])).convert("RGB")))
            """, Photo, path, expected);
        var raw = ImageDecoder.Decode(path);
        Assert.Equal((64, 48), (raw.Width, raw.Height));
        var oriented = ImageDecoder.Decode(path, applyExifOrientation: true);
        Assert.Equal((48, 64), (oriented.Width, oriented.Height));
        using var pil = EfficientNetLab.Data.Npy.Read(expected);
        Assert.True(pil.bytes.SequenceEqual(oriented.Pixels));
    }
}
