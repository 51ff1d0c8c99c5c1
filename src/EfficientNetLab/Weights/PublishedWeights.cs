using EfficientNetLab.Imaging;

namespace EfficientNetLab.Weights;

/// <summary>One torchvision ImageNet-1k checkpoint: where it lives, what it scores, how to feed it.</summary>
public sealed record PublishedWeights(
    string Variant,
    string Tag,
    Uri Url,
    string FileName,
    double Acc1,
    double Acc5,
    long Params,
    double Gflops,
    double FileSizeMB,
    EvalPreset Preset)
{
    /// <summary>torchvision's enum spelling, e.g. <c>EfficientNet_B0_Weights.IMAGENET1K_V1</c>.</summary>
    public string TorchvisionName
    {
        get
        {
            var v = Variant.StartsWith("v2", StringComparison.Ordinal) ? "V2_" + Variant[3..].ToUpperInvariant() : Variant.ToUpperInvariant();
            return $"EfficientNet_{v}_Weights.{Tag.ToUpperInvariant()}";
        }
    }

    /// <summary>torch.hub's rule: a file named <c>name-&lt;hex&gt;.pth</c> must have a sha256 starting with hex.</summary>
    public string? HashPrefix => WeightsDownloader.HashPrefixOf(FileName);
}
