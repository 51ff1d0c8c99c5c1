namespace EfficientNetLab.Imaging;

/// <summary>
/// A reusable 8-bit image with 4 bytes per pixel (R, G, B and one ignored byte), the layout the SIMD resampler
/// works in: one pixel is one group of four 32-bit lanes. Grows but never shrinks, so a worker allocates only when
/// it meets a larger image than before.
/// </summary>
internal sealed class RgbxBuffer
{
    /// <summary>Slack after the last row: the kernels load 16 bytes at a time and may read up to 12 bytes past a
    /// row's last pixel (multiplied by zero weights or written to unused columns).</summary>
    public const int Padding = 64;

    public byte[] Data { get; private set; } = [];
    public int Width { get; private set; }
    public int Height { get; private set; }
    public int Stride { get; private set; }

    /// <summary>Sets the size; <paramref name="padRows"/> rounds the stride up to whole 16-byte vectors so that
    /// kernels can store four pixels at a time.</summary>
    public void Reset(int width, int height, bool padRows = false)
    {
        Width = width;
        Height = height;
        Stride = checked((padRows ? (width + 3) & ~3 : width) * 4);
        long needed = (long)height * Stride + Padding;
        if (needed > Array.MaxLength) throw new OutOfMemoryException($"A {width}×{height} image does not fit one buffer.");
        if (Data.Length < needed) Data = GC.AllocateUninitializedArray<byte>((int)Math.Min(Array.MaxLength, needed + needed / 4));
    }

    public void CopyFrom(RgbImage image)
    {
        Reset(image.Width, image.Height);
        var src = image.Pixels;
        var dst = Data;
        for (int i = 0, j = 0; i < src.Length; i += 3, j += 4)
        {
            dst[j] = src[i];
            dst[j + 1] = src[i + 1];
            dst[j + 2] = src[i + 2];
        }
    }

    public RgbImage ToRgbImage()
    {
        var image = new RgbImage(Width, Height);
        var dst = image.Pixels;
        for (int y = 0; y < Height; y++)
        {
            var row = Data.AsSpan(y * Stride, Width * 4);
            var outRow = dst.AsSpan(y * Width * 3, Width * 3);
            for (int i = 0, j = 0; j < row.Length; i += 3, j += 4)
            {
                outRow[i] = row[j];
                outRow[i + 1] = row[j + 1];
                outRow[i + 2] = row[j + 2];
            }
        }
        return image;
    }
}
