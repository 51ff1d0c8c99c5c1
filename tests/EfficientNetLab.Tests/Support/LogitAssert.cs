using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Support;

/// <summary>The parity bar: max abs logit difference and max abs difference relative to the largest logit, both ≤ 1e-4.</summary>
public static class LogitAssert
{
    public const double Tolerance = 1e-4;

    public static void Close(Tensor expected, Tensor actual)
    {
        Assert.Equal(expected.shape, actual.shape);
        double maxAbs = (actual - expected).abs().max().item<float>();
        double scale = expected.abs().max().item<float>();
        Assert.True(maxAbs <= Tolerance, $"max abs logit difference {maxAbs:E3} > {Tolerance:E0}");
        Assert.True(maxAbs / scale <= Tolerance, $"max relative logit difference {maxAbs / scale:E3} > {Tolerance:E0}");
    }
}
