using SkiaSharp;

namespace EfficientNetLab.Imaging;

/// <summary>Which library turns file bytes into pixels.</summary>
public enum DecoderKind
{
    /// <summary>SkiaSharp: libjpeg-turbo with PIL's settings, so JPEG pixels equal PIL's exactly.</summary>
    Skia,
    /// <summary>ImageSharp: managed and fast, but its JPEG IDCT differs from libjpeg-turbo by a few levels.</summary>
    ImageSharp,
}

/// <summary>An image that could not be decoded, with the path and the reason.</summary>
public sealed class ImageDecodeException(string path, string reason, Exception? inner = null)
    : Exception($"{path}: {reason}", inner)
{
    public string Path { get; } = path;
    public string Reason { get; } = reason;
}

/// <summary>
/// Decodes an image file to RGB the way <c>PIL.Image.open(f).convert("RGB")</c> does (alpha dropped, gray
/// replicated, first frame of an animation), refusing decompression bombs from the header before allocating.
/// </summary>
public static class ImageDecoder
{
    /// <summary>Twice PIL's MAX_IMAGE_PIXELS (89,478,485): where PIL raises DecompressionBombError.</summary>
    public const long DefaultMaxPixels = 2L * 89_478_485;

    /// <param name="applyExifOrientation">Rotate/flip by the EXIF orientation tag. Off by default because
    /// torchvision does not do it: accuracy numbers are comparable only without it.</param>
    public static RgbImage Decode(string path, DecoderKind decoder = DecoderKind.Skia, long maxPixels = DefaultMaxPixels,
        bool applyExifOrientation = false)
    {
        if (Directory.Exists(path)) throw new ImageDecodeException(path, "is a directory.");
        if (!File.Exists(path)) throw new ImageDecodeException(path, "file not found.");
        var image = decoder == DecoderKind.Skia ? DecodeSkia(path, maxPixels) : DecodeImageSharp(path, maxPixels);
        return applyExifOrientation ? Orient(image, ExifOrigin(path)) : image;
    }

    private static SKEncodedOrigin ExifOrigin(string path)
    {
        using var stream = File.OpenRead(path);
        using var codec = SKCodec.Create(stream);
        return codec?.EncodedOrigin ?? SKEncodedOrigin.TopLeft;
    }

    /// <summary>PIL's ImageOps.exif_transpose for the eight EXIF orientations.</summary>
    internal static RgbImage Orient(RgbImage src, SKEncodedOrigin origin)
    {
        if (origin is SKEncodedOrigin.TopLeft or 0) return src;
        bool swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        var dst = swap ? new RgbImage(src.Height, src.Width) : new RgbImage(src.Width, src.Height);
        for (int y = 0; y < dst.Height; y++)
        {
            for (int x = 0; x < dst.Width; x++)
            {
                // Where in the stored image the displayed pixel (x, y) comes from.
                var (sx, sy) = origin switch
                {
                    SKEncodedOrigin.TopRight => (src.Width - 1 - x, y),
                    SKEncodedOrigin.BottomRight => (src.Width - 1 - x, src.Height - 1 - y),
                    SKEncodedOrigin.BottomLeft => (x, src.Height - 1 - y),
                    SKEncodedOrigin.LeftTop => (y, x),
                    SKEncodedOrigin.RightTop => (y, src.Height - 1 - x),
                    SKEncodedOrigin.RightBottom => (src.Width - 1 - y, src.Height - 1 - x),
                    _ => (src.Width - 1 - y, x), // LeftBottom
                };
                int d = (y * dst.Width + x) * 3, s = (sy * src.Width + sx) * 3;
                dst.Pixels[d] = src.Pixels[s];
                dst.Pixels[d + 1] = src.Pixels[s + 1];
                dst.Pixels[d + 2] = src.Pixels[s + 2];
            }
        }
        return dst;
    }

    private static RgbImage DecodeSkia(string path, long maxPixels)
    {
        using var stream = File.OpenRead(path);
        if (stream.Length == 0) throw new ImageDecodeException(path, "the file is empty.");
        bool gray16 = IsGray16Png(stream);
        using var codec = SKCodec.Create(stream, out var result);
        if (codec is null) throw new ImageDecodeException(path, $"not a recognised image ({result}).");
        var info = codec.Info;
        CheckSize(path, info.Width, info.Height, maxPixels);
        if (gray16) return DecodeGray16LikePil(path);
        var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888,
            info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
        var rgba = new byte[checked(target.BytesSize)];
        SKCodecResult decoded;
        unsafe
        {
            fixed (byte* p = rgba) decoded = codec.GetPixels(target, (IntPtr)p);
        }
        // IncompleteInput means a truncated file; PIL refuses those too (LOAD_TRUNCATED_IMAGES is off by default).
        if (decoded != SKCodecResult.Success)
            throw new ImageDecodeException(path, decoded == SKCodecResult.IncompleteInput
                ? "the file is truncated." : $"decoding failed ({decoded}).");
        return FromRgba(info.Width, info.Height, rgba);
    }

    /// <summary>
    /// PIL opens 16-bit grayscale PNGs in mode "I" and its I→RGB conversion clips each value to 255 instead of
    /// scaling — so nearly every pixel of such a file is white to torchvision. The kit reproduces that, because
    /// the point is to see what the model saw.
    /// </summary>
    private static RgbImage DecodeGray16LikePil(string path)
    {
        // Skia only hands out 16-bit data as scaled colour; ImageSharp's L16 gives the raw samples.
        using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.L16>(path);
        var samples = new SixLabors.ImageSharp.PixelFormats.L16[image.Width * image.Height];
        image.CopyPixelDataTo(samples);
        var rgb = new RgbImage(image.Width, image.Height);
        var dst = rgb.Pixels;
        for (int i = 0; i < samples.Length; i++)
        {
            byte v = (byte)Math.Min(samples[i].PackedValue, (ushort)255);
            dst[3 * i] = dst[3 * i + 1] = dst[3 * i + 2] = v;
        }
        return rgb;
    }

    /// <summary>PNG signature, then IHDR: bit depth at byte 24, colour type at byte 25 (0 = grayscale).</summary>
    private static bool IsGray16Png(Stream stream)
    {
        Span<byte> head = stackalloc byte[26];
        stream.Position = 0;
        int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        stream.Position = 0;
        return n == 26 && head[0] == 0x89 && head[1] == (byte)'P' && head[2] == (byte)'N' && head[3] == (byte)'G'
               && head[24] == 16 && head[25] == 0;
    }

    private static RgbImage DecodeImageSharp(string path, long maxPixels)
    {
        try
        {
            var info = SixLabors.ImageSharp.Image.Identify(path)
                       ?? throw new ImageDecodeException(path, "not a recognised image.");
            CheckSize(path, info.Width, info.Height, maxPixels);
            using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgba32>(path);
            var rgba = new byte[image.Width * image.Height * 4];
            image.CopyPixelDataTo(rgba);
            return FromRgba(image.Width, image.Height, rgba);
        }
        catch (Exception e) when (e is SixLabors.ImageSharp.ImageFormatException or SixLabors.ImageSharp.UnknownImageFormatException or InvalidDataException)
        {
            throw new ImageDecodeException(path, e.Message, e);
        }
    }

    private static void CheckSize(string path, int width, int height, long maxPixels)
    {
        if (width <= 0 || height <= 0) throw new ImageDecodeException(path, $"declares an empty size {width}×{height}.");
        if ((long)width * height > maxPixels)
            throw new ImageDecodeException(path,
                $"declares {width}×{height} = {(long)width * height:N0} pixels, over the limit of {maxPixels:N0} " +
                "(a possible decompression bomb); raise the limit only for files you trust.");
    }

    private static RgbImage FromRgba(int width, int height, byte[] rgba)
    {
        var image = new RgbImage(width, height);
        var dst = image.Pixels;
        for (int i = 0, j = 0; i < dst.Length; i += 3, j += 4)
        {
            dst[i] = rgba[j];
            dst[i + 1] = rgba[j + 1];
            dst[i + 2] = rgba[j + 2];
        }
        return image;
    }
}
