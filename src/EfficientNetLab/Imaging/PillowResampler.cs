using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace EfficientNetLab.Imaging;

/// <summary>
/// Pillow's <c>Image.resize</c> for 8-bit images (libImaging/Resample.c): a separable, antialiased convolution
/// — horizontal pass, then vertical — with coefficients normalised per output pixel, converted to 22-bit fixed
/// point, and uint8 rounding between the passes. Reproducing those steps (not just the filter) is what makes the
/// result equal to PIL's byte for byte. The sums are exact 32-bit integer arithmetic, so summing the taps in
/// SIMD lanes and in any order gives Pillow's values.
/// </summary>
public static class PillowResampler
{
    internal const int PrecisionBits = 32 - 8 - 2;
    private const int Half = 1 << (PrecisionBits - 1);

    /// <summary>Whether the AVX-512 kernels run (else the portable 128-bit ones); tests flip it to check both.</summary>
    internal static bool UseAvx512 { get; set; } = Avx512F.IsSupported;

    /// <summary>Which kernels run on this machine: "avx512" or "vector128".</summary>
    public static string Kernels => UseAvx512 ? "avx512" : "vector128";

    public static RgbImage Resize(RgbImage source, int width, int height, Interpolation interpolation)
    {
        var scratch = PreprocessScratch.ForCurrentThread;
        scratch.Decoded.CopyFrom(source);
        return ResizeRegion(scratch.Decoded, width, height, interpolation, 0, 0, width, height, scratch).ToRgbImage();
    }

    /// <summary>
    /// The pixels [left, left + regionWidth) × [top, top + regionHeight) of <paramref name="source"/> resized to
    /// width × height. Every output pixel depends only on its own coefficients, so computing just a crop gives
    /// the same bytes as resizing everything and cropping — at a fraction of the work. The result lives in
    /// <paramref name="scratch"/> until its next use.
    /// </summary>
    internal static RgbxBuffer ResizeRegion(RgbxBuffer source, int width, int height, Interpolation interpolation,
        int left, int top, int regionWidth, int regionHeight, PreprocessScratch scratch)
    {
        var output = scratch.Cropped;
        if (interpolation == Interpolation.Nearest)
        {
            Nearest(source, width, height, left, top, regionWidth, regionHeight, output);
            return output;
        }
        // Like Pillow, an axis whose size does not change is not resampled at all.
        bool horizontal = width != source.Width, vertical = height != source.Height;
        var rows = vertical ? scratch.Coefficients(source.Height, height, interpolation) : null;
        if (!horizontal)
        {
            if (rows is null) CopyRegion(source, left, top, regionWidth, regionHeight, output);
            else VerticalPass(source, 0, left, rows, top, regionHeight, regionWidth, output);
            return output;
        }
        var columns = scratch.Coefficients(source.Width, width, interpolation);
        if (rows is null)
        {
            HorizontalPass(source, top, regionHeight, columns, left, regionWidth, output, scratch);
            return output;
        }
        // Only the source rows the vertical pass reads are resampled horizontally, as in Pillow.
        int firstRow = rows.Bounds[top * 2];
        int last = (top + regionHeight - 1) * 2;
        int lastRow = rows.Bounds[last] + rows.Bounds[last + 1];
        HorizontalPass(source, firstRow, lastRow - firstRow, columns, left, regionWidth, scratch.Horizontal, scratch);
        VerticalPass(scratch.Horizontal, firstRow, 0, rows, top, regionHeight, regionWidth, output);
        return output;
    }

    private static unsafe void HorizontalPass(RgbxBuffer source, int firstRow, int rowCount, ResampleCoefficients c,
        int firstOut, int outCount, RgbxBuffer output, PreprocessScratch scratch)
    {
        output.Reset(outCount, rowCount, padRows: true);
        fixed (byte* src = source.Data)
        fixed (byte* dst = output.Data)
        fixed (int* bounds = c.Bounds)
        fixed (int* weights = c.Weights)
        {
            byte* first = src + (long)firstRow * source.Stride;
            if (UseAvx512)
            {
                int lastOut = firstOut + outCount - 1;
                int columns = c.Bounds[lastOut * 2] + c.Bounds[lastOut * 2 + 1] - c.Bounds[firstOut * 2];
                fixed (byte* interleaved = scratch.Interleaved(((columns + 3) & ~3) * 16))
                    HorizontalAvx512(first, source.Stride, rowCount, bounds, weights, c.KSize, firstOut, outCount, dst, output.Stride, interleaved);
                return;
            }
            for (int y = 0; y < rowCount; y++)
                HorizontalRow(first + (long)y * source.Stride, dst + (long)y * output.Stride, bounds, weights, c.KSize, firstOut, outCount);
        }
    }

    /// <summary>
    /// Four source rows at a time, interleaved pixel by pixel (16 bytes per source column), so that one load
    /// holds the same column of four rows: each tap is then one multiply-add for four output pixels, with no
    /// reduction across lanes. The 4×4 pixel blocks are transposed on the way in and out with one permute each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void HorizontalAvx512(byte* src, int srcStride, int rowCount, int* bounds, int* weights, int ksize,
        int firstOut, int outCount, byte* dst, int dstStride, byte* interleaved)
    {
        var transpose = Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
        var half = Vector512.Create(Half);
        int firstColumn = bounds[firstOut * 2];
        int lastOut = firstOut + outCount - 1;
        int columnBytes = (bounds[lastOut * 2] + bounds[lastOut * 2 + 1] - firstColumn) * 4;
        // Indexed by absolute source column, like the bounds.
        byte* columns = interleaved - firstColumn * 16;
        for (int y = 0; y < rowCount; y += 4, src += 4L * srcStride, dst += 4L * dstStride)
        {
            int rows = Math.Min(4, rowCount - y);
            // Past the last row, repeat it: those results are never stored.
            byte* r0 = src + firstColumn * 4;
            byte* r1 = rows > 1 ? r0 + srcStride : r0;
            byte* r2 = rows > 2 ? r1 + srcStride : r1;
            byte* r3 = rows > 3 ? r2 + srcStride : r2;
            for (int x = 0; x < columnBytes; x += 16)
            {
                var block = Join(Sse2.LoadVector128(r0 + x), Sse2.LoadVector128(r1 + x),
                    Sse2.LoadVector128(r2 + x), Sse2.LoadVector128(r3 + x)).AsInt32();
                Avx512F.PermuteVar16x32(block, transpose).Store((int*)(interleaved + x * 4));
            }
            for (int x = 0; x < outCount; x += 4)
            {
                int o = firstOut + x;
                var pixels = Join(
                    Clip8(Column(columns, bounds + o * 2, weights + o * ksize, half)),
                    Clip8(Column(columns, bounds + o * 2 + 2, weights + (o + 1) * ksize, half)),
                    Clip8(Column(columns, bounds + o * 2 + 4, weights + (o + 2) * ksize, half)),
                    Clip8(Column(columns, bounds + o * 2 + 6, weights + (o + 3) * ksize, half)));
                var byRow = Avx512F.PermuteVar16x32(pixels.AsInt32(), transpose).AsByte();
                byte* d = dst + x * 4;
                Sse2.Store(d, byRow.GetLower().GetLower());
                if (rows > 1) Sse2.Store(d + dstStride, byRow.GetLower().GetUpper());
                if (rows > 2) Sse2.Store(d + 2 * dstStride, byRow.GetUpper().GetLower());
                if (rows > 3) Sse2.Store(d + 3 * dstStride, byRow.GetUpper().GetUpper());
            }
        }

        static Vector512<int> Column(byte* columns, int* bound, int* k, Vector512<int> acc)
        {
            byte* p = columns + bound[0] * 16;
            for (int t = 0, taps = bound[1]; t < taps; t++, p += 16)
                acc += Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(p)) * Vector512.Create(k[t]);
            return acc;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void HorizontalRow(byte* src, byte* dst, int* bounds, int* weights, int ksize, int firstOut, int outCount)
    {
        for (int x = 0; x < outCount; x++, dst += 4)
        {
            int o = firstOut + x;
            byte* p = src + bounds[o * 2] * 4;
            int* k = weights + o * ksize;
            var acc = Vector128.Create(Half);
            for (int t = 0, n = bounds[o * 2 + 1]; t < n; t++, p += 4)
                acc += Widen(*(uint*)p) * Vector128.Create(k[t]);
            *(uint*)dst = Clip8(acc).AsUInt32().ToScalar();
        }
    }

    /// <summary>
    /// Output rows <paramref name="firstOut"/>… from rows of <paramref name="source"/> (whose row 0 is source row
    /// <paramref name="rowOrigin"/>), starting at column <paramref name="firstColumn"/>. All columns of a row are
    /// independent, so they run 16 bytes (four pixels) per vector with the row's weights broadcast.
    /// </summary>
    private static unsafe void VerticalPass(RgbxBuffer source, int rowOrigin, int firstColumn, ResampleCoefficients c,
        int firstOut, int outCount, int width, RgbxBuffer output)
    {
        output.Reset(width, outCount, padRows: true);
        fixed (byte* src = source.Data)
        fixed (byte* dst = output.Data)
        fixed (int* weights = c.Weights)
        {
            byte* origin = src + firstColumn * 4;
            for (int y = 0; y < outCount; y++)
            {
                int o = firstOut + y;
                byte* first = origin + (long)(c.Bounds[o * 2] - rowOrigin) * source.Stride;
                if (UseAvx512) VerticalRowAvx512(first, source.Stride, weights + o * c.KSize, c.Bounds[o * 2 + 1], dst + (long)y * output.Stride, output.Stride);
                else VerticalRow(first, source.Stride, weights + o * c.KSize, c.Bounds[o * 2 + 1], dst + (long)y * output.Stride, output.Stride);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void VerticalRowAvx512(byte* src, int stride, int* k, int taps, byte* dst, int bytes)
    {
        var half = Vector512.Create(Half);
        int x = 0;
        for (; x + 64 <= bytes; x += 64)
        {
            Vector512<int> a = half, b = half, c = half, d = half;
            byte* p = src + x;
            for (int t = 0; t < taps; t++, p += stride)
            {
                var w = Vector512.Create(k[t]);
                a += Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(p)) * w;
                b += Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(p + 16)) * w;
                c += Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(p + 32)) * w;
                d += Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(p + 48)) * w;
            }
            Sse2.Store(dst + x, Clip8(a));
            Sse2.Store(dst + x + 16, Clip8(b));
            Sse2.Store(dst + x + 32, Clip8(c));
            Sse2.Store(dst + x + 48, Clip8(d));
        }
        for (; x < bytes; x += 16)
        {
            var a = half;
            byte* p = src + x;
            for (int t = 0; t < taps; t++, p += stride)
                a += Avx512F.ConvertToVector512Int32(Sse2.LoadVector128(p)) * Vector512.Create(k[t]);
            Sse2.Store(dst + x, Clip8(a));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static unsafe void VerticalRow(byte* src, int stride, int* k, int taps, byte* dst, int bytes)
    {
        var half = Vector128.Create(Half);
        for (int x = 0; x < bytes; x += 16)
        {
            Vector128<int> a = half, b = half, c = half, d = half;
            byte* p = src + x;
            for (int t = 0; t < taps; t++, p += stride)
            {
                var w = Vector128.Create(k[t]);
                var (lo, hi) = Vector128.Widen(Vector128.Load(p));
                var (l0, l1) = Vector128.Widen(lo);
                var (h0, h1) = Vector128.Widen(hi);
                a += l0.AsInt32() * w;
                b += l1.AsInt32() * w;
                c += h0.AsInt32() * w;
                d += h1.AsInt32() * w;
            }
            Vector128.Narrow(Vector128.Narrow(ClampToByte(a), ClampToByte(b)), Vector128.Narrow(ClampToByte(c), ClampToByte(d))).Store(dst + x);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Join(Vector128<byte> a, Vector128<byte> b, Vector128<byte> c, Vector128<byte> d) =>
        Vector512.Create(Vector256.Create(a, b), Vector256.Create(c, d));

    /// <summary>Pillow's clip8 (sum ≥ 2^30 → 255, ≤ 0 → 0, else sum >> 22) as a clamp of the shifted sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Clip8(Vector512<int> sum) =>
        Avx512F.ConvertToVector128ByteWithSaturation(Vector512.Max(Vector512.ShiftRightArithmetic(sum, PrecisionBits), Vector512<int>.Zero).AsUInt32());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Clip8(Vector128<int> sum)
    {
        var v = ClampToByte(sum);
        return Vector128.Narrow(Vector128.Narrow(v, v), Vector128<ushort>.Zero);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<uint> ClampToByte(Vector128<int> sum) =>
        Vector128.Clamp(Vector128.ShiftRightArithmetic(sum, PrecisionBits), Vector128<int>.Zero, Vector128.Create(255)).AsUInt32();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<int> Widen(uint rgbx) =>
        Vector128.WidenLower(Vector128.WidenLower(Vector128.CreateScalar(rgbx).AsByte())).AsInt32();

    private static void CopyRegion(RgbxBuffer source, int left, int top, int width, int height, RgbxBuffer output)
    {
        output.Reset(width, height, padRows: true);
        for (int y = 0; y < height; y++)
            source.Data.AsSpan((top + y) * source.Stride + left * 4, width * 4).CopyTo(output.Data.AsSpan(y * output.Stride));
    }

    /// <summary>Nearest neighbour at pixel centres. Pillow routes NEAREST through its affine transform; no preset uses it.</summary>
    private static void Nearest(RgbxBuffer source, int width, int height, int left, int top, int regionWidth, int regionHeight, RgbxBuffer output)
    {
        output.Reset(regionWidth, regionHeight, padRows: true);
        double sx = (double)source.Width / width, sy = (double)source.Height / height;
        var src = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(source.Data.AsSpan(0, source.Height * source.Stride));
        var dst = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, uint>(output.Data.AsSpan(0, output.Height * output.Stride));
        for (int y = 0; y < regionHeight; y++)
        {
            int row = Math.Min(source.Height - 1, (int)((top + y + 0.5) * sy)) * source.Width;
            for (int x = 0; x < regionWidth; x++)
                dst[y * (output.Stride / 4) + x] = src[row + Math.Min(source.Width - 1, (int)((left + x + 0.5) * sx))];
        }
    }
}

/// <summary>
/// Pillow's precompute_coeffs + normalize_coeffs_8bpc for one axis: per output pixel, the first source index and
/// tap count (<see cref="Bounds"/>) and 22-bit fixed-point weights.
/// </summary>
internal sealed class ResampleCoefficients
{
    /// <summary>[first, count] per output pixel, plus three entries with no taps so that kernels may run in
    /// groups of four.</summary>
    public int[] Bounds { get; }
    /// <summary>KSize weights per output pixel (zero after its count).</summary>
    public int[] Weights { get; }
    public int KSize { get; }

    public ResampleCoefficients(int inSize, int outSize, Interpolation interpolation)
    {
        var (filter, filterSupport) = interpolation switch
        {
            Interpolation.Bilinear => ((Func<double, double>)Triangle, 1.0),
            Interpolation.Bicubic => (Bicubic, 2.0),
            _ => throw new ArgumentOutOfRangeException(nameof(interpolation)),
        };
        double scale = (double)inSize / outSize;
        double filterScale = Math.Max(scale, 1.0);
        double support = filterSupport * filterScale;
        int ksize = (int)Math.Ceiling(support) * 2 + 1;
        KSize = ksize;
        Bounds = new int[(outSize + 3) * 2];
        Weights = new int[outSize * ksize];
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
                int k = w < 0 ? (int)(-0.5 + w * (1 << PillowResampler.PrecisionBits)) : (int)(0.5 + w * (1 << PillowResampler.PrecisionBits));
                Weights[xx * ksize + x] = k;
            }
            Bounds[xx * 2] = xmin;
            Bounds[xx * 2 + 1] = xmax;
        }
    }

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
}
