using SkiaSharp;

namespace EfficientNetLab.Imaging;

/// <summary>Which library turns file bytes into pixels.</summary>
public enum DecoderKind
{
    /// <summary>libjpeg-turbo with PIL's settings, so JPEG pixels equal PIL's exactly: the system's TurboJPEG when
    /// installed (SIMD, fast), else SkiaSharp's copy; SkiaSharp for every other format.</summary>
    Skia,
    /// <summary>ImageSharp: managed, but its JPEG IDCT differs from libjpeg-turbo by a few levels.</summary>
    ImageSharp,
}

public static class DecoderKindNames
{
    /// <summary>The decoder as summaries, JSON output and the CLI spell it (<c>skia</c>, <c>imagesharp</c>).</summary>
    public static string Name(this DecoderKind decoder) => decoder.ToString().ToLowerInvariant();
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

    private static long filesDecoded;

    /// <summary>Files this process has started to decode: lets a front end's tests check that it decodes each
    /// image once (a thumbnail and the model's input come from the same decode).</summary>
    public static long FilesDecoded => Interlocked.Read(ref filesDecoded);

    /// <summary>Which library decodes JPEGs for <see cref="DecoderKind.Skia"/>: "libturbojpeg" or "skia".</summary>
    public static string JpegBackend => TurboJpeg.IsAvailable ? "libturbojpeg" : "skia";

    /// <param name="applyExifOrientation">Rotate/flip by the EXIF orientation tag. Off by default because
    /// torchvision does not do it: accuracy numbers are comparable only without it.</param>
    public static RgbImage Decode(string path, DecoderKind decoder = DecoderKind.Skia, long maxPixels = DefaultMaxPixels,
        bool applyExifOrientation = false) =>
        Decode(path, PreprocessScratch.ForCurrentThread, decoder, maxPixels, applyExifOrientation).ToRgbImage();

    /// <summary>Decodes into <paramref name="scratch"/>'s reused buffer; the result is valid until its next use.</summary>
    /// <param name="turboJpeg">False forces SkiaSharp's JPEG decoder (tests compare both).</param>
    internal static RgbxBuffer Decode(string path, PreprocessScratch scratch, DecoderKind decoder, long maxPixels,
        bool applyExifOrientation, bool turboJpeg = true)
    {
        Interlocked.Increment(ref filesDecoded);
        if (Directory.Exists(path)) throw new ImageDecodeException(path, "is a directory.");
        if (!File.Exists(path)) throw new ImageDecodeException(path, "file not found.");
        var bytes = scratch.ReadFile(path);
        if (bytes.Length == 0) throw new ImageDecodeException(path, "the file is empty.");
        if (decoder == DecoderKind.ImageSharp) DecodeImageSharp(path, bytes, scratch.Decoded, maxPixels);
        else if (!(turboJpeg && TurboJpeg.IsAvailable && TurboJpeg.TryDecode(scratch.TurboJpegDecompressor, bytes, scratch.Decoded, path, maxPixels)))
            DecodeSkia(path, bytes, scratch.Decoded, maxPixels);
        if (applyExifOrientation && ExifOrigin(bytes) is var origin and not (SKEncodedOrigin.TopLeft or 0))
        {
            Orient(scratch.Decoded, scratch.Spare, origin);
            scratch.SwapDecoded();
        }
        return scratch.Decoded;
    }

    private static unsafe SKEncodedOrigin ExifOrigin(ReadOnlySpan<byte> bytes)
    {
        fixed (byte* p = bytes)
        {
            using var data = SKData.Create((IntPtr)p, bytes.Length);
            using var codec = SKCodec.Create(data);
            return codec?.EncodedOrigin ?? SKEncodedOrigin.TopLeft;
        }
    }

    /// <summary>PIL's ImageOps.exif_transpose for the seven non-identity EXIF orientations.</summary>
    private static void Orient(RgbxBuffer src, RgbxBuffer dst, SKEncodedOrigin origin)
    {
        bool swap = origin is SKEncodedOrigin.LeftTop or SKEncodedOrigin.RightTop or SKEncodedOrigin.RightBottom or SKEncodedOrigin.LeftBottom;
        if (swap) dst.Reset(src.Height, src.Width);
        else dst.Reset(src.Width, src.Height);
        var from = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(src.Data.AsSpan(0, src.Height * src.Stride));
        var to = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(dst.Data.AsSpan(0, dst.Height * dst.Stride));
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
                to[y * dst.Width + x] = from[sy * src.Width + sx];
            }
        }
    }

    private static unsafe void DecodeSkia(string path, ReadOnlySpan<byte> bytes, RgbxBuffer target, long maxPixels)
    {
        fixed (byte* p = bytes)
        {
            using var data = SKData.Create((IntPtr)p, bytes.Length);
            // The codec owns the stream (and frees it itself when the bytes are not an image).
            using var codec = SKCodec.Create(new SKMemoryStream(data), out var result);
            if (codec is null) throw new ImageDecodeException(path, $"not a recognised image ({result}).");
            var info = codec.Info;
            CheckSize(path, info.Width, info.Height, maxPixels);
            if (IsGray16Png(bytes))
            {
                DecodeGray16LikePil(bytes, target);
                return;
            }
            target.Reset(info.Width, info.Height);
            var pixels = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888,
                info.AlphaType == SKAlphaType.Opaque ? SKAlphaType.Opaque : SKAlphaType.Unpremul);
            SKCodecResult decoded;
            fixed (byte* dst = target.Data) decoded = codec.GetPixels(pixels, (IntPtr)dst, target.Stride, new SKCodecOptions());
            // IncompleteInput means a truncated file; PIL refuses those too (LOAD_TRUNCATED_IMAGES is off by default).
            if (decoded != SKCodecResult.Success)
                throw new ImageDecodeException(path, decoded == SKCodecResult.IncompleteInput
                    ? "the file is truncated." : $"decoding failed ({decoded}).");
        }
    }

    /// <summary>
    /// PIL opens 16-bit grayscale PNGs in mode "I" and its I→RGB conversion clips each value to 255 instead of
    /// scaling — so nearly every pixel of such a file is white to torchvision. The kit reproduces that, because
    /// the point is to see what the model saw.
    /// </summary>
    private static void DecodeGray16LikePil(ReadOnlySpan<byte> bytes, RgbxBuffer target)
    {
        // Skia only hands out 16-bit data as scaled colour; ImageSharp's L16 gives the raw samples.
        using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.L16>(bytes);
        target.Reset(image.Width, image.Height);
        var samples = new SixLabors.ImageSharp.PixelFormats.L16[image.Width * image.Height];
        image.CopyPixelDataTo(samples);
        var dst = target.Data;
        for (int i = 0; i < samples.Length; i++)
        {
            byte v = (byte)Math.Min(samples[i].PackedValue, (ushort)255);
            dst[4 * i] = dst[4 * i + 1] = dst[4 * i + 2] = v;
        }
    }

    /// <summary>PNG signature, then IHDR: bit depth at byte 24, colour type at byte 25 (0 = grayscale).</summary>
    private static bool IsGray16Png(ReadOnlySpan<byte> head) =>
        head.Length >= 26 && head[0] == 0x89 && head[1] == (byte)'P' && head[2] == (byte)'N' && head[3] == (byte)'G'
        && head[24] == 16 && head[25] == 0;

    private static void DecodeImageSharp(string path, ReadOnlySpan<byte> bytes, RgbxBuffer target, long maxPixels)
    {
        try
        {
            var info = SixLabors.ImageSharp.Image.Identify(bytes.ToArray())
                       ?? throw new ImageDecodeException(path, "not a recognised image.");
            CheckSize(path, info.Width, info.Height, maxPixels);
            using var image = SixLabors.ImageSharp.Image.Load<SixLabors.ImageSharp.PixelFormats.Rgba32>(bytes);
            target.Reset(image.Width, image.Height);
            image.CopyPixelDataTo(target.Data.AsSpan(0, target.Height * target.Stride));
        }
        catch (Exception e) when (e is SixLabors.ImageSharp.ImageFormatException or SixLabors.ImageSharp.UnknownImageFormatException or InvalidDataException)
        {
            throw new ImageDecodeException(path, e.Message, e);
        }
    }

    internal static void CheckSize(string path, int width, int height, long maxPixels)
    {
        if (width <= 0 || height <= 0) throw new ImageDecodeException(path, $"declares an empty size {width}×{height}.");
        if ((long)width * height > maxPixels)
            throw new ImageDecodeException(path,
                $"declares {width}×{height} = {(long)width * height:N0} pixels, over the limit of {maxPixels:N0} " +
                "(a possible decompression bomb); raise the limit only for files you trust.");
    }
}
