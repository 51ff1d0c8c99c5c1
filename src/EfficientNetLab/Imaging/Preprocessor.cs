using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static TorchSharp.torch;

namespace EfficientNetLab.Imaging;

/// <summary>
/// torchvision's <c>ImageClassification</c> eval transform on PIL images: Resize(shorter side) → CenterCrop →
/// PILToTensor → ConvertImageDtype(float) → Normalize, with the same integer size rules and float32 arithmetic.
/// Only the pixels that survive the crop are resampled (the same bytes, about a third less work).
/// </summary>
public sealed class Preprocessor
{
    private readonly long maxPixels;
    private readonly bool applyExifOrientation;
    /// <summary>(v / 255f − mean) / std for every byte value v, per channel: the float32 operations torchvision
    /// performs, done once instead of per pixel.</summary>
    private readonly float[] normalized = new float[3 * 256];

    public Preprocessor(EvalPreset preset, DecoderKind decoder = DecoderKind.Skia,
        long maxPixels = ImageDecoder.DefaultMaxPixels, bool applyExifOrientation = false)
    {
        Preset = preset;
        Decoder = decoder;
        this.maxPixels = maxPixels;
        this.applyExifOrientation = applyExifOrientation;
        for (int c = 0; c < 3; c++)
            for (int v = 0; v < 256; v++)
                normalized[c * 256 + v] = (v / 255f - preset.Mean[c]) / preset.Std[c];
    }

    public EvalPreset Preset { get; }
    public DecoderKind Decoder { get; }

    /// <summary>Floats per transformed image: 3 × crop × crop.</summary>
    public int OutputLength => 3 * Preset.CropSize * Preset.CropSize;

    /// <summary>Decodes and transforms one file into 3×crop×crop floats (CHW), ready to be stacked into a batch.</summary>
    public float[] Process(string path)
    {
        var buffer = new float[OutputLength];
        ProcessInto(path, buffer, PreprocessScratch.ForCurrentThread);
        return buffer;
    }

    /// <summary>Decodes and transforms one file into <paramref name="chw"/> using a worker's own buffers; stage
    /// times are added to <see cref="PreprocessScratch.Times"/>.</summary>
    public void ProcessInto(string path, Span<float> chw, PreprocessScratch scratch)
    {
        long start = Stopwatch.GetTimestamp();
        var image = ImageDecoder.Decode(path, scratch, Decoder, maxPixels, applyExifOrientation);
        Transform(image, chw, scratch, start);
    }

    public float[] Process(RgbImage image)
    {
        var buffer = new float[OutputLength];
        ProcessInto(image, buffer);
        return buffer;
    }

    /// <summary>Writes the transformed image into <paramref name="chw"/> (length 3×crop×crop).</summary>
    public void ProcessInto(RgbImage image, Span<float> chw)
    {
        var scratch = PreprocessScratch.ForCurrentThread;
        long start = Stopwatch.GetTimestamp();
        scratch.Decoded.CopyFrom(image);
        Transform(scratch.Decoded, chw, scratch, start);
    }

    /// <summary>A 1×3×crop×crop tensor for one file.</summary>
    public Tensor ToTensor(string path) => tensor(Process(path), [1, 3, Preset.CropSize, Preset.CropSize]);

    /// <summary>torchvision's _compute_resized_output_size for an int size: the shorter side becomes <paramref name="size"/>,
    /// the longer one <c>int(size * long / short)</c> (truncated).</summary>
    public static (int Width, int Height) ResizedSize(int width, int height, int size)
    {
        bool portrait = width <= height;
        int shortSide = portrait ? width : height, longSide = portrait ? height : width;
        int newLong = (int)((double)size * longSide / shortSide);
        return portrait ? (size, newLong) : (newLong, size);
    }

    /// <summary>
    /// CenterCrop's offset of the crop within a side: Python's round((size − crop) / 2) (half to even), or, when
    /// the crop is larger, minus the zero padding torchvision puts before the image, (crop − size) // 2.
    /// </summary>
    internal static int CropOffset(int size, int crop) =>
        crop > size ? -((crop - size) / 2) : (int)Math.Round((size - crop) / 2.0, MidpointRounding.ToEven);

    /// <summary>
    /// Every stage for one file, decoded once: the decoded image, the resized one, the center crop (zero-padded
    /// where it is larger than the resized image, as torchvision pads) and the normalized CHW floats. The crop and
    /// the floats come from the same resize-the-crop step and normalization as <see cref="ProcessInto(string, Span{float}, PreprocessScratch)"/>,
    /// so <see cref="PreprocessStages.Normalized"/> is exactly what a model is given.
    /// </summary>
    public PreprocessStages Stages(string path)
    {
        var scratch = PreprocessScratch.ForCurrentThread;
        return Stages(ImageDecoder.Decode(path, scratch, Decoder, maxPixels, applyExifOrientation), scratch);
    }

    /// <summary>The stages for an image decoded already (for instance once, for a thumbnail and the model).</summary>
    public PreprocessStages Stages(RgbImage image)
    {
        var scratch = PreprocessScratch.ForCurrentThread;
        scratch.Decoded.CopyFrom(image);
        return Stages(scratch.Decoded, scratch);
    }

    private PreprocessStages Stages(RgbxBuffer image, PreprocessScratch scratch)
    {
        var decoded = image.ToRgbImage();
        var (w, h) = ResizedSize(image.Width, image.Height, Preset.ResizeSize);
        var resized = PillowResampler.ResizeRegion(image, w, h, Preset.Interpolation, 0, 0, w, h, scratch).ToRgbImage();
        var crop = CropOf(image, scratch);
        var normalized = new float[OutputLength];
        Normalize(crop.Region, crop.PadLeft, crop.PadTop, Preset.CropSize, normalized);
        return new PreprocessStages(Preset, decoded, resized, crop.Left, crop.Top, Padded(crop), normalized);
    }

    private void Transform(RgbxBuffer image, Span<float> chw, PreprocessScratch scratch, long start)
    {
        if (chw.Length != OutputLength) throw new ArgumentException($"Expected {OutputLength} floats, got {chw.Length}.", nameof(chw));
        long decoded = Stopwatch.GetTimestamp();
        var crop = CropOf(image, scratch);
        long resized = Stopwatch.GetTimestamp();
        Normalize(crop.Region, crop.PadLeft, crop.PadTop, Preset.CropSize, chw);
        scratch.AddTimes(decoded - start, resized - decoded, Stopwatch.GetTimestamp() - resized);
    }

    /// <summary>The part of the resized image that the center crop keeps, resampled on its own; where the crop
    /// overhangs the resized image, <c>PadLeft</c>/<c>PadTop</c> say where the region sits inside the crop.</summary>
    private readonly record struct Crop(RgbxBuffer Region, int Left, int Top, int PadLeft, int PadTop);

    private Crop CropOf(RgbxBuffer image, PreprocessScratch scratch)
    {
        int crop = Preset.CropSize;
        var (w, h) = ResizedSize(image.Width, image.Height, Preset.ResizeSize);
        int left = CropOffset(w, crop), top = CropOffset(h, crop);
        int x0 = Math.Max(0, left), y0 = Math.Max(0, top);
        int regionWidth = Math.Min(w, left + crop) - x0, regionHeight = Math.Min(h, top + crop) - y0;
        var region = PillowResampler.ResizeRegion(image, w, h, Preset.Interpolation, x0, y0, regionWidth, regionHeight, scratch);
        return new Crop(region, left, top, x0 - left, y0 - top);
    }

    /// <summary>The crop as an image: the region on black, which is what torchvision's zero padding shows.</summary>
    private RgbImage Padded(Crop crop)
    {
        int size = Preset.CropSize;
        var image = new RgbImage(size, size);
        var region = crop.Region;
        for (int y = 0; y < region.Height; y++)
        {
            var src = region.Data.AsSpan(y * region.Stride, region.Width * 4);
            var dst = image.Pixels.AsSpan(((crop.PadTop + y) * size + crop.PadLeft) * 3, region.Width * 3);
            for (int i = 0, j = 0; i < dst.Length; i += 3, j += 4)
            {
                dst[i] = src[j];
                dst[i + 1] = src[j + 1];
                dst[i + 2] = src[j + 2];
            }
        }
        return image;
    }

    /// <summary>Scatters the crop's RGBX bytes into the three float planes at (<paramref name="padLeft"/>,
    /// <paramref name="padTop"/>); where the crop is larger than the image the planes hold the value of 0.</summary>
    private void Normalize(RgbxBuffer region, int padLeft, int padTop, int crop, Span<float> chw)
    {
        int plane = crop * crop;
        var red = chw[..plane];
        var green = chw.Slice(plane, plane);
        var blue = chw.Slice(2 * plane, plane);
        if (region.Width < crop || region.Height < crop)
        {
            red.Fill(normalized[0]);
            green.Fill(normalized[256]);
            blue.Fill(normalized[512]);
        }
        for (int y = 0; y < region.Height; y++)
        {
            int o = (padTop + y) * crop + padLeft;
            NormalizeRow(region.Data.AsSpan(y * region.Stride, region.Width * 4),
                red.Slice(o, region.Width), green.Slice(o, region.Width), blue.Slice(o, region.Width));
        }
    }

    /// <summary>One row of RGBX bytes to three rows of floats by table lookup: eight pixels per step as gathers.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void NormalizeRow(ReadOnlySpan<byte> rgbx, Span<float> red, Span<float> green, Span<float> blue)
    {
        int x = 0;
        fixed (byte* src = rgbx)
        fixed (float* lut = normalized)
        fixed (float* r = red)
        fixed (float* g = green)
        fixed (float* b = blue)
        {
            if (Avx2.IsSupported)
            {
                var mask = Vector256.Create(0xFF);
                for (; x + 8 <= red.Length; x += 8)
                {
                    var pixels = Vector256.Load((int*)(src + x * 4));
                    Avx2.GatherVector256(lut, pixels & mask, 4).Store(r + x);
                    Avx2.GatherVector256(lut + 256, Vector256.ShiftRightLogical(pixels, 8) & mask, 4).Store(g + x);
                    Avx2.GatherVector256(lut + 512, Vector256.ShiftRightLogical(pixels, 16) & mask, 4).Store(b + x);
                }
            }
            for (; x < red.Length; x++)
            {
                r[x] = lut[src[4 * x]];
                g[x] = lut[256 + src[4 * x + 1]];
                b[x] = lut[512 + src[4 * x + 2]];
            }
        }
    }
}
