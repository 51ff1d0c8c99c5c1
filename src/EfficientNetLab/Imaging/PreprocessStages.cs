using static TorchSharp.torch;

namespace EfficientNetLab.Imaging;

/// <summary>
/// What the eval transform makes of one image, stage by stage (<see cref="Preprocessor.Stages(string)"/>):
/// torchvision's PIL image after <c>convert("RGB")</c>, after <c>Resize</c>, after <c>CenterCrop</c>, and the
/// tensor after <c>Normalize</c>.
/// </summary>
/// <param name="CropLeft">Where the crop starts in <paramref name="Resized"/>; negative where the crop is larger
/// and torchvision pads the resized image with zeros (so does <paramref name="Cropped"/>).</param>
/// <param name="Normalized">3 × crop × crop floats (CHW): the model's input, equal to <see cref="Preprocessor.Process(string)"/>.</param>
public sealed record PreprocessStages(EvalPreset Preset, RgbImage Decoded, RgbImage Resized, int CropLeft, int CropTop,
    RgbImage Cropped, float[] Normalized)
{
    /// <summary>The normalized image as a 1×3×crop×crop batch of one.</summary>
    public Tensor ToTensor() => tensor(Normalized, [1, 3, Preset.CropSize, Preset.CropSize]);

    /// <summary>Minimum, maximum and mean of each normalized channel (R, G, B).</summary>
    public IReadOnlyList<(float Min, float Max, float Mean)> ChannelStats()
    {
        int plane = Preset.CropSize * Preset.CropSize;
        return Enumerable.Range(0, 3).Select(c =>
        {
            var span = Normalized.AsSpan(c * plane, plane);
            float min = float.MaxValue, max = float.MinValue;
            double sum = 0;
            foreach (var v in span)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
                sum += v;
            }
            return (min, max, (float)(sum / plane));
        }).ToArray();
    }
}
