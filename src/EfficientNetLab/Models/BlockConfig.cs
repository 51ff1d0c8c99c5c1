namespace EfficientNetLab.Models;

/// <summary>Which residual block a stage is made of (torchvision's MBConvConfig / FusedMBConvConfig).</summary>
public enum BlockKind { MBConv, FusedMBConv }

/// <summary>
/// One stage of an EfficientNet: torchvision's <c>MBConvConfig</c>/<c>FusedMBConvConfig</c>. Width and depth
/// multipliers are applied when the config is built (<see cref="Scaled"/>), never inside the blocks.
/// </summary>
public sealed record BlockConfig(
    BlockKind Kind, double ExpandRatio, int Kernel, int Stride, int InputChannels, int OutChannels, int NumLayers)
{
    public static BlockConfig MB(double expand, int kernel, int stride, int input, int output, int layers) =>
        new(BlockKind.MBConv, expand, kernel, stride, input, output, layers);

    public static BlockConfig Fused(double expand, int kernel, int stride, int input, int output, int layers) =>
        new(BlockKind.FusedMBConv, expand, kernel, stride, input, output, layers);

    /// <summary>torchvision scales only MBConv stages; Fused stages (V2 only) are used at width = depth = 1.</summary>
    public BlockConfig Scaled(double widthMult, double depthMult) => Kind == BlockKind.FusedMBConv ? this : this with
    {
        InputChannels = AdjustChannels(InputChannels, widthMult),
        OutChannels = AdjustChannels(OutChannels, widthMult),
        NumLayers = (int)Math.Ceiling(NumLayers * depthMult),
    };

    /// <summary>Channels of the expanded (inner) representation.</summary>
    public int ExpandedChannels => AdjustChannels(InputChannels, ExpandRatio);

    public static int AdjustChannels(int channels, double widthMult) => MakeDivisible(channels * widthMult, 8);

    /// <summary>
    /// torchvision's <c>_make_divisible</c>: round to the nearest multiple of <paramref name="divisor"/>, never
    /// going down by more than 10%. Must match exactly or checkpoint shapes will not.
    /// </summary>
    public static int MakeDivisible(double value, int divisor)
    {
        int rounded = Math.Max(divisor, (int)(value + divisor / 2.0) / divisor * divisor);
        return rounded < 0.9 * value ? rounded + divisor : rounded;
    }
}
