namespace EfficientNetLab.Models;

/// <summary>
/// Everything that distinguishes one EfficientNet from another: its stage table, head width, dropout and
/// BatchNorm settings. A variant is a line in <see cref="EfficientNetVariants"/>, not a class.
/// </summary>
public sealed record EfficientNetVariant(
    string Name,
    IReadOnlyList<BlockConfig> Stages,
    double Dropout,
    double BatchNormEps,
    double BatchNormMomentum,
    int? LastChannel,
    double StochasticDepthProb = 0.2)
{
    /// <summary>torchvision's builder name, e.g. <c>efficientnet_b0</c>, <c>efficientnet_v2_s</c>.</summary>
    public string TorchvisionName => "efficientnet_" + Name;

    public bool IsV2 => Name.StartsWith("v2", StringComparison.Ordinal);
}
