using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace EfficientNetLab.Imaging;

/// <summary>An 8-bit RGB image, rows top to bottom, pixels interleaved R,G,B — what PIL's <c>.convert("RGB")</c> holds.</summary>
public sealed class RgbImage
{
    public int Width { get; }
    public int Height { get; }
    public byte[] Pixels { get; }

    public RgbImage(int width, int height, byte[]? pixels = null)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"Image size {width}×{height} is empty.");
        Width = width;
        Height = height;
        Pixels = pixels ?? new byte[checked(width * height * 3)];
        if (Pixels.Length != width * height * 3) throw new ArgumentException("Pixel buffer does not match the size.", nameof(pixels));
    }

    public Span<byte> Row(int y) => Pixels.AsSpan(y * Width * 3, Width * 3);

    /// <summary>A copy whose longer side is at most <paramref name="maxSide"/> (this image when it is that small):
    /// what a result keeps of an image it shows, instead of every decoded pixel.</summary>
    public RgbImage Thumbnail(int maxSide)
    {
        if (Math.Max(Width, Height) <= maxSide) return this;
        double scale = (double)maxSide / Math.Max(Width, Height);
        using var image = Image.LoadPixelData<Rgb24>(Pixels, Width, Height);
        image.Mutate(x => x.Resize(Math.Max(1, (int)(Width * scale)), Math.Max(1, (int)(Height * scale))));
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return new RgbImage(image.Width, image.Height, pixels);
    }
}
