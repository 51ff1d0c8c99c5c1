namespace EfficientNetLab.Imaging;

/// <summary>
/// Pillow's <c>Image.resize</c> for 8-bit images (libImaging/Resample.c): a separable, antialiased convolution
/// — horizontal pass, then vertical — with coefficients normalised per output pixel, converted to 22-bit fixed
/// point, and uint8 rounding between the passes. Reproducing those steps (not just the filter) is what makes the
/// result equal to PIL's byte for byte.
/// </summary>
public static class PillowResampler
{
    private const int PrecisionBits = 32 - 8 - 2;

    public static RgbImage Resize(RgbImage source, int width, int height, Interpolation interpolation)
    {
        if (width == source.Width && height == source.Height) return new RgbImage(width, height, (byte[])source.Pixels.Clone());
        if (interpolation == Interpolation.Nearest) return Nearest(source, width, height);
        var (filter, support) = Filter(interpolation);

        var (horizontalBounds, horizontalK, horizontalSize) = Coefficients(source.Width, width, filter, support);
        var (verticalBounds, verticalK, verticalSize) = Coefficients(source.Height, height, filter, support);

        // Only the source rows the vertical pass reads are resampled horizontally, as in Pillow.
        int firstRow = verticalBounds[0];
        int lastRow = verticalBounds[(height - 1) * 2] + verticalBounds[(height - 1) * 2 + 1];
        RgbImage horizontal = source;
        if (width != source.Width)
        {
            horizontal = new RgbImage(width, lastRow - firstRow);
            HorizontalPass(source, horizontal, firstRow, horizontalBounds, horizontalK, horizontalSize);
            for (int i = 0; i < height; i++) verticalBounds[i * 2] -= firstRow;
        }
        if (height == source.Height && horizontal != source) return horizontal;
        var output = new RgbImage(width, height);
        VerticalPass(horizontal, output, verticalBounds, verticalK, verticalSize);
        return output;
    }

    private static (Func<double, double>, double) Filter(Interpolation interpolation) => interpolation switch
    {
        Interpolation.Bilinear => (Triangle, 1.0),
        Interpolation.Bicubic => (Bicubic, 2.0),
        _ => throw new ArgumentOutOfRangeException(nameof(interpolation)),
    };

    private static double Triangle(double x)
    {
        if (x < 0) x = -x;
        return x < 1.0 ? 1.0 - x : 0.0;
    }

    private static double Bicubic(double x)
    {
        const double a = -0.5; // Pillow's bicubic constant (not -0.75 like OpenCV / torch's tensor path)
        if (x < 0) x = -x;
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
        if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
        return 0.0;
    }

    /// <summary>Pillow's precompute_coeffs + normalize_coeffs_8bpc: per output pixel, [first source index, count] and fixed-point weights.</summary>
    private static (int[] Bounds, int[] K, int KSize) Coefficients(int inSize, int outSize, Func<double, double> filter, double filterSupport)
    {
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterSupport * filterScale;
        int ksize = (int)Math.Ceiling(support) * 2 + 1;
        var bounds = new int[outSize * 2];
        var kk = new int[outSize * ksize];
        var weights = new double[ksize];
        for (int xx = 0; xx < outSize; xx++)
        {
            double center = (xx + 0.5) * scale;
            double ww = 0.0;
            double ss = 1.0 / filterScale;
            int xmin = Math.Max(0, (int)(center - support + 0.5));
            int xmax = Math.Min(inSize, (int)(center + support + 0.5)) - xmin;
            for (int x = 0; x < xmax; x++)
            {
                double w = filter((x + xmin - center + 0.5) * ss);
                weights[x] = w;
                ww += w;
            }
            for (int x = 0; x < ksize; x++)
            {
                double w = x < xmax && ww != 0.0 ? weights[x] / ww : x < xmax ? weights[x] : 0.0;
                kk[xx * ksize + x] = w < 0
                    ? (int)(-0.5 + w * (1 << PrecisionBits))
                    : (int)(0.5 + w * (1 << PrecisionBits));
            }
            bounds[xx * 2] = xmin;
            bounds[xx * 2 + 1] = xmax;
        }
        return (bounds, kk, ksize);
    }

    private static byte Clip8(int value) =>
        value >= (1 << PrecisionBits << 8) ? (byte)255 : value <= 0 ? (byte)0 : (byte)(value >> PrecisionBits);

    private static void HorizontalPass(RgbImage source, RgbImage output, int rowOffset, int[] bounds, int[] kk, int ksize)
    {
        int outWidth = output.Width;
        for (int y = 0; y < output.Height; y++)
        {
            var src = source.Row(y + rowOffset);
            var dst = output.Row(y);
            for (int xx = 0; xx < outWidth; xx++)
            {
                int xmin = bounds[xx * 2], xmax = bounds[xx * 2 + 1];
                var k = kk.AsSpan(xx * ksize, xmax);
                int r = 1 << (PrecisionBits - 1), g = r, b = r;
                int p = xmin * 3;
                for (int x = 0; x < k.Length; x++, p += 3)
                {
                    r += src[p] * k[x];
                    g += src[p + 1] * k[x];
                    b += src[p + 2] * k[x];
                }
                dst[xx * 3] = Clip8(r);
                dst[xx * 3 + 1] = Clip8(g);
                dst[xx * 3 + 2] = Clip8(b);
            }
        }
    }

    private static void VerticalPass(RgbImage source, RgbImage output, int[] bounds, int[] kk, int ksize)
    {
        int rowBytes = output.Width * 3;
        var acc = new int[rowBytes];
        for (int yy = 0; yy < output.Height; yy++)
        {
            int ymin = bounds[yy * 2], ymax = bounds[yy * 2 + 1];
            var k = kk.AsSpan(yy * ksize, ymax);
            var dst = output.Row(yy);
            Array.Fill(acc, 1 << (PrecisionBits - 1));
            // Row-major accumulation: the same integer sums as Pillow's column loop, in a cache-friendly order.
            for (int y = 0; y < ymax; y++)
            {
                var src = source.Row(y + ymin);
                int w = k[y];
                for (int i = 0; i < rowBytes; i++) acc[i] += src[i] * w;
            }
            for (int i = 0; i < rowBytes; i++) dst[i] = Clip8(acc[i]);
        }
    }

    /// <summary>Nearest neighbour at pixel centres. Pillow routes NEAREST through its affine transform; no preset uses it.</summary>
    private static RgbImage Nearest(RgbImage source, int width, int height)
    {
        var output = new RgbImage(width, height);
        double sx = (double)source.Width / width, sy = (double)source.Height / height;
        for (int y = 0; y < height; y++)
        {
            var src = source.Row(Math.Min(source.Height - 1, (int)((y + 0.5) * sy)));
            var dst = output.Row(y);
            for (int x = 0; x < width; x++)
            {
                int s = Math.Min(source.Width - 1, (int)((x + 0.5) * sx)) * 3;
                dst[x * 3] = src[s];
                dst[x * 3 + 1] = src[s + 1];
                dst[x * 3 + 2] = src[s + 2];
            }
        }
        return output;
    }
}
