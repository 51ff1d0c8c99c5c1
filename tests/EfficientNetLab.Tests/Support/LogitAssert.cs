using static TorchSharp.torch;

namespace EfficientNetLab.Tests.Support;

/// <summary>The parity bar: max abs logit difference and max abs difference relative to the largest logit, both ≤ 1e-4.</summary>
public static class LogitAssert
{
    /// <summary>Runs <paramref name="model"/> on a parity fixture's input and compares with torchvision's logits.</summary>
    public static void MatchesFixture(EfficientNetLab.Models.EfficientNet model, string fixtureDir)
    {
        using var input = EfficientNetLab.Data.Npy.Read(Path.Combine(fixtureDir, "input.npy"));
        using var expected = EfficientNetLab.Data.Npy.Read(Path.Combine(fixtureDir, "logits.npy"));
        using var _ = no_grad();
        using var actual = model.forward(input);
        Close(expected, actual);
    }

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
