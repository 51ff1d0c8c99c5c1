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
}
