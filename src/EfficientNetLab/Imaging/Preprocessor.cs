using static TorchSharp.torch;

namespace EfficientNetLab.Imaging;

/// <summary>
/// torchvision's <c>ImageClassification</c> eval transform on PIL images: Resize(shorter side) → CenterCrop →
/// PILToTensor → ConvertImageDtype(float) → Normalize, with the same integer size rules and float32 arithmetic.
/// </summary>
public sealed class Preprocessor(EvalPreset preset, DecoderKind decoder = DecoderKind.Skia,
    long maxPixels = ImageDecoder.DefaultMaxPixels, bool applyExifOrientation = false)
{
    public EvalPreset Preset { get; } = preset;
    public DecoderKind Decoder { get; } = decoder;
    public long MaxPixels { get; } = maxPixels;
    public bool ApplyExifOrientation { get; } = applyExifOrientation;

    /// <summary>Decodes and transforms one file into 3×crop×crop floats (CHW), ready to be stacked into a batch.</summary>
    public float[] Process(string path) => Process(ImageDecoder.Decode(path, Decoder, maxPixels, applyExifOrientation));

    public float[] Process(RgbImage image)
    {
        var buffer = new float[3 * Preset.CropSize * Preset.CropSize];
        ProcessInto(image, buffer);
        return buffer;
    }

    /// <summary>Writes the transformed image into <paramref name="chw"/> (length 3×crop×crop).</summary>
    public void ProcessInto(RgbImage image, Span<float> chw)
    {
        var (w, h) = ResizedSize(image.Width, image.Height, Preset.ResizeSize);
        var resized = PillowResampler.Resize(image, w, h, Preset.Interpolation);
        Normalize(resized, Preset.CropSize, Preset.Mean, Preset.Std, chw);
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
    /// CenterCrop (offsets rounded half-to-even like Python's round, zero padding when the image is smaller)
    /// fused with x/255 and (x − mean)/std in float32, the operations torchvision performs.
    /// </summary>
    public static void Normalize(RgbImage image, int crop, float[] mean, float[] std, Span<float> chw)
    {
        int top = (int)Math.Round((image.Height - crop) / 2.0, MidpointRounding.ToEven);
        int left = (int)Math.Round((image.Width - crop) / 2.0, MidpointRounding.ToEven);
        int plane = crop * crop;
        Span<float> zero = [(0f - mean[0]) / std[0], (0f - mean[1]) / std[1], (0f - mean[2]) / std[2]];
        var px = image.Pixels;
        for (int y = 0; y < crop; y++)
        {
            int sy = y + top;
            for (int x = 0; x < crop; x++)
            {
                int sx = x + left;
                int o = y * crop + x;
                if (sy < 0 || sy >= image.Height || sx < 0 || sx >= image.Width)
                {
                    chw[o] = zero[0];
                    chw[plane + o] = zero[1];
                    chw[2 * plane + o] = zero[2];
                    continue;
                }
                int i = (sy * image.Width + sx) * 3;
                chw[o] = (px[i] / 255f - mean[0]) / std[0];
                chw[plane + o] = (px[i + 1] / 255f - mean[1]) / std[1];
                chw[2 * plane + o] = (px[i + 2] / 255f - mean[2]) / std[2];
            }
        }
    }
}
